//! A lean JSON-lines event formatter for tracing-subscriber.
//!
//! tracing-subscriber's own JSON format goes through serde_json and an
//! `io::Write` adaptor that re-validates UTF-8 on every write, and formats
//! the timestamp through `fmt`; together that is most of the cost of a
//! request log line. This formatter writes the same shape straight into the
//! line buffer: `timestamp` (RFC 3339, UTC, microseconds), `level`, `target`,
//! the event's fields, and the current span as `span: {name, fields…}`.

use std::fmt::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats events as one JSON object per line.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonLine;

/// Formats span fields as `"name":value` pairs, for [`JsonLine`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonFields;

impl<S, N> FormatEvent<S, N> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        writer.write_str("{\"timestamp\":\"")?;
        write_timestamp(&mut writer, SystemTime::now())?;
        writer.write_str("\",\"level\":\"")?;
        writer.write_str(metadata.level().as_str())?;
        writer.write_str("\",\"target\":")?;
        write_string(&mut writer, metadata.target())?;
        let mut visitor = Visitor {
            writer: &mut writer,
            comma: true,
            result: Ok(()),
        };
        event.record(&mut visitor);
        visitor.result?;
        if let Some(span) = ctx.lookup_current() {
            writer.write_str(",\"span\":{\"name\":")?;
            write_string(&mut writer, span.name())?;
            let extensions = span.extensions();
            if let Some(fields) = extensions.get::<FormattedFields<N>>()
                && !fields.is_empty()
            {
                writer.write_char(',')?;
                writer.write_str(&fields.fields)?;
            }
            writer.write_char('}')?;
        }
        writer.write_str("}\n")
    }
}

impl<'writer> FormatFields<'writer> for JsonFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        // The fields of a new span go into an empty `String`: gathered here
        // first, they reach it in one write and one allocation.
        let mut buffer = Gathered {
            out: &mut writer,
            bytes: [0; GATHERED],
            len: 0,
        };
        let mut visitor = Visitor {
            writer: &mut buffer,
            comma: false,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result?;
        buffer.flush()
    }

    fn add_fields(
        &self,
        current: &mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let comma = !current.fields.is_empty();
        let mut writer = current.as_writer();
        let mut visitor = Visitor {
            writer: &mut writer,
            comma,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

/// How many bytes [`Gathered`] holds before it passes them on.
const GATHERED: usize = 256;

/// A writer that passes text on to `out` in as few writes as it can.
struct Gathered<'a, W: Write> {
    out: &'a mut W,
    bytes: [u8; GATHERED],
    len: usize,
}

impl<W: Write> Gathered<'_, W> {
    fn flush(&mut self) -> fmt::Result {
        let text = std::str::from_utf8(&self.bytes[..self.len]).map_err(|_| fmt::Error)?;
        self.out.write_str(text)?;
        self.len = 0;
        Ok(())
    }
}

impl<W: Write> Write for Gathered<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if self.len + text.len() > GATHERED {
            self.flush()?;
            if text.len() > GATHERED {
                return self.out.write_str(text);
            }
        }
        self.bytes[self.len..self.len + text.len()].copy_from_slice(text.as_bytes());
        self.len += text.len();
        Ok(())
    }
}

/// Writes each field as `,"name":value` (no comma before the first one when
/// `comma` is false).
struct Visitor<'a, W> {
    writer: &'a mut W,
    comma: bool,
    result: fmt::Result,
}

impl<W: Write> Visitor<'_, W> {
    fn key(&mut self, field: &Field) -> fmt::Result {
        let name = field.name();
        let opening = if self.comma { ",\"" } else { "\"" };
        self.comma = true;
        self.writer.write_str(opening)?;
        Escaping(self.writer).write_str(name)?;
        self.writer.write_str("\":")
    }

    fn put(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = self.key(field).and_then(|()| value(self.writer));
        }
    }
}

impl<W: Write> Visit for Visitor<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, |w| write_string(w, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, |w| write_u64(w, value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, |w| {
            if value < 0 {
                w.write_char('-')?;
            }
            write_u64(w, value.unsigned_abs())
        });
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            self.put(field, |w| write!(w, "{value}"));
        } else {
            self.put(field, |w| w.write_str("null"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, |w| {
            w.write_char('"')?;
            write!(Escaping(w), "{value:?}")?;
            w.write_char('"')
        });
    }
}

/// Writes `value` in decimal without going through `fmt`.
fn write_u64(writer: &mut impl Write, mut value: u64) -> fmt::Result {
    let mut digits = [0_u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    writer.write_str(std::str::from_utf8(&digits[start..]).map_err(|_| fmt::Error)?)
}

/// Writes `text` as a JSON string.
fn write_string(writer: &mut impl Write, text: &str) -> fmt::Result {
    writer.write_char('"')?;
    Escaping(writer).write_str(text)?;
    writer.write_char('"')
}

/// Which bytes a JSON string cannot hold as they are: control characters,
/// `"`, `\\` and DEL (kept out so a terminal shows the line as it is).
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7f] = true;
    table
};

/// A writer that escapes what goes through it for a JSON string.
struct Escaping<'a, W>(&'a mut W);

impl<W: Write> Write for Escaping<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let bytes = text.as_bytes();
        let mut start = 0;
        // copy each run of bytes that need no escape in one write
        while let Some(offset) = bytes[start..]
            .iter()
            .position(|&byte| NEEDS_ESCAPE[usize::from(byte)])
        {
            let index = start + offset;
            // every byte escaped is ASCII, so `index` is a char boundary
            if index > start {
                self.0.write_str(&text[start..index])?;
            }
            match bytes[index] {
                b'"' => self.0.write_str("\\\"")?,
                b'\\' => self.0.write_str("\\\\")?,
                b'\n' => self.0.write_str("\\n")?,
                b'\r' => self.0.write_str("\\r")?,
                b'\t' => self.0.write_str("\\t")?,
                byte => {
                    let hex = [
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(byte >> 4)],
                        HEX[usize::from(byte & 0xf)],
                    ];
                    self.0
                        .write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)?;
                }
            }
            start = index + 1;
        }
        if start < bytes.len() {
            self.0.write_str(&text[start..])?;
        }
        Ok(())
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `time` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub(crate) fn write_timestamp(writer: &mut impl Write, time: SystemTime) -> fmt::Result {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let of_day = seconds % 86_400;
    let mut text = *b"0000-00-00T00:00:00.000000Z";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], month);
    put_digits(&mut text[8..10], day);
    put_digits(&mut text[11..13], of_day / 3600);
    put_digits(&mut text[14..16], of_day / 60 % 60);
    put_digits(&mut text[17..19], of_day % 60);
    put_digits(&mut text[20..26], u64::from(since.subsec_micros()));
    writer.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
}

fn put_digits(slot: &mut [u8], mut value: u64) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let mut text = String::new();
        write_timestamp(&mut text, UNIX_EPOCH).unwrap();
        assert_eq!(text, "1970-01-01T00:00:00.000000Z");
        text.clear();
        // 2024-02-29T23:59:58.123456Z
        write_timestamp(
            &mut text,
            UNIX_EPOCH + Duration::from_micros(1_709_251_198_123_456),
        )
        .unwrap();
        assert_eq!(text, "2024-02-29T23:59:58.123456Z");
        text.clear();
        write_timestamp(&mut text, UNIX_EPOCH + Duration::from_secs(4_102_444_800)).unwrap();
        assert_eq!(text, "2100-01-01T00:00:00.000000Z");
    }

    #[test]
    fn strings_are_escaped() {
        let mut text = String::new();
        write_string(&mut text, "a\"b\\c\nd\u{1}é\u{7f}").unwrap();
        assert_eq!(text, "\"a\\\"b\\\\c\\nd\\u0001é\\u007f\"");
        let parsed: String = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, "a\"b\\c\nd\u{1}é\u{7f}");
    }
}
