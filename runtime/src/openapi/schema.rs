//! The schemas `#[derive(Validate)]` emits: the derive writes each field's
//! rules down as `'static` data, and one function here turns them into a
//! JSON Schema, so the generated code per type stays a table.
//!
//! Not public API: the derive names it through `__private`.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// What a field's type is, as far as its spelling shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// An integer.
    Integer,
    /// A float.
    Number,
    /// `bool`.
    Bool,
    /// A list or set.
    List,
    /// A map with string keys.
    Map,
    /// Anything else: described by its own schema when `nested`, otherwise any value.
    Any,
}

/// A literal of `one_of(…)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal {
    /// A string.
    Str(&'static str),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// One rule, as the schema can say it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SchemaRule {
    /// `length(min, max)`: characters of text, items of a list.
    Length(Option<u64>, Option<u64>),
    /// `range(min, max)`.
    Range(Option<f64>, Option<f64>),
    /// `email`.
    Email,
    /// `url`.
    Url,
    /// `regex = "…"`.
    Pattern(&'static str),
    /// `one_of(…)` with literal values.
    OneOf(&'static [Literal]),
    /// A rule a schema cannot say (`custom = path`, `one_of` with
    /// non-literal values): its description.
    Note(&'static str),
}

/// A field as the derive saw it.
#[derive(Debug, Clone, Copy)]
pub struct FieldSchema {
    /// The member name in the input.
    pub name: &'static str,
    /// Whether the member must be present.
    pub required: bool,
    /// Whether the member may be `null` (an `Option` field).
    pub nullable: bool,
    /// The field's kind (inside its `Option`).
    pub kind: Kind,
    /// The field's rules.
    pub rules: &'static [SchemaRule],
    /// For lists: the items' kind.
    pub item: Kind,
    /// For lists: the rules of `each(…)`.
    pub each: &'static [SchemaRule],
    /// The schema of a `nested` field, or of the items of `each(nested)`.
    pub nested: Option<fn() -> RefOr<Schema>>,
    /// The sanitizers that rewrite the field before the rules run.
    pub sanitizers: &'static [&'static str],
}

/// The object schema of a type deriving `Validate`, with the notes of its
/// struct-level rules.
pub fn object_schema(notes: &'static [&'static str], fields: &[FieldSchema]) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new().schema_type(Type::Object);
    if !notes.is_empty() {
        object = object.description(Some(notes.join(" ")));
    }
    for field in fields {
        object = object.property(field.name, field_schema(field));
        if field.required {
            object = object.required(field.name);
        }
    }
    RefOr::T(object.build().into())
}

fn field_schema(field: &FieldSchema) -> RefOr<Schema> {
    // The document describes the raw input: a sanitizer that can shorten
    // the text (`trim`, `html`) makes the length bounds apply to the
    // sanitized value only, so they move to the description.
    let shortens = field
        .sanitizers
        .iter()
        .any(|sanitizer| matches!(*sanitizer, "trim" | "html"));
    let mut notes = Vec::new();
    if !field.sanitizers.is_empty() {
        notes.push(format!(
            "Sanitized first ({}).",
            field.sanitizers.join(", ")
        ));
    }
    let schema = match field.kind {
        Kind::List => {
            let items = match field.nested {
                Some(nested) => nested(),
                None => {
                    let mut item_notes = Vec::new();
                    let item = scalar(field.item, field.each, false, &mut item_notes);
                    RefOr::T(with_notes(item, &item_notes).into())
                }
            };
            let mut array = ArrayBuilder::new().items(items);
            for rule in field.rules {
                match *rule {
                    SchemaRule::Length(min, max) => {
                        array = array
                            .min_items(min.map(as_usize))
                            .max_items(max.map(as_usize));
                    }
                    SchemaRule::Note(note) => notes.push(note.to_owned()),
                    _ => {}
                }
            }
            if !notes.is_empty() {
                array = array.description(Some(notes.join(" ")));
            }
            RefOr::T(array.build().into())
        }
        _ => match field.nested {
            Some(nested) if field.kind == Kind::Any => nested(),
            _ => {
                let object = scalar(field.kind, field.rules, shortens, &mut notes);
                RefOr::T(with_notes(object, &notes).into())
            }
        },
    };
    if field.nullable && !field.required {
        nullable(schema)
    } else {
        schema
    }
}

fn with_notes(object: ObjectBuilder, notes: &[String]) -> ObjectBuilder {
    if notes.is_empty() {
        object
    } else {
        object.description(Some(notes.join(" ")))
    }
}

/// `T | null` for an `Option` field that may be sent as `null`.
fn nullable(schema: RefOr<Schema>) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut object)) => {
            if let utoipa::openapi::schema::SchemaType::Type(ty) = object.schema_type {
                object.schema_type =
                    utoipa::openapi::schema::SchemaType::from_iter([ty, Type::Null]);
            }
            RefOr::T(Schema::Object(object))
        }
        RefOr::T(Schema::Array(mut array)) => {
            array.schema_type =
                utoipa::openapi::schema::SchemaType::from_iter([Type::Array, Type::Null]);
            RefOr::T(Schema::Array(array))
        }
        other => other,
    }
}

fn scalar(
    kind: Kind,
    rules: &[SchemaRule],
    shortens: bool,
    notes: &mut Vec<String>,
) -> ObjectBuilder {
    let mut object = match kind {
        Kind::Text => ObjectBuilder::new().schema_type(Type::String),
        Kind::Integer => ObjectBuilder::new().schema_type(Type::Integer),
        Kind::Number => ObjectBuilder::new().schema_type(Type::Number),
        Kind::Bool => ObjectBuilder::new().schema_type(Type::Boolean),
        Kind::Map | Kind::List => ObjectBuilder::new().schema_type(Type::Object),
        Kind::Any => ObjectBuilder::new(),
    };
    for rule in rules {
        match *rule {
            SchemaRule::Length(min, max) if shortens => {
                notes.push(match (min, max) {
                    (Some(min), Some(max)) => {
                        format!("{min} to {max} characters after sanitizing.")
                    }
                    (Some(min), None) => format!("At least {min} characters after sanitizing."),
                    (None, Some(max)) => format!("At most {max} characters after sanitizing."),
                    (None, None) => String::new(),
                });
            }
            SchemaRule::Length(min, max) if kind == Kind::Map => {
                object = object
                    .min_properties(min.map(as_usize))
                    .max_properties(max.map(as_usize));
            }
            SchemaRule::Length(min, max) => {
                object = object
                    .min_length(min.map(as_usize))
                    .max_length(max.map(as_usize));
            }
            SchemaRule::Range(min, max) => {
                object = object.minimum(min).maximum(max);
            }
            SchemaRule::Email => {
                object = object.format(Some(SchemaFormat::Custom("email".to_owned())));
            }
            SchemaRule::Url => {
                object = object.format(Some(SchemaFormat::Custom("uri".to_owned())));
            }
            SchemaRule::Pattern(pattern) => {
                if ecma_compatible(pattern) {
                    object = object.pattern(Some(pattern));
                } else {
                    notes.push(format!("Matches the Rust regular expression `{pattern}`."));
                }
            }
            SchemaRule::OneOf(values) => {
                object = object.enum_values(Some(values.iter().map(|value| match *value {
                    Literal::Str(text) => serde_json::Value::from(text),
                    Literal::Int(number) => i64::try_from(number).map_or_else(
                        |_| serde_json::Value::from(number as f64),
                        serde_json::Value::from,
                    ),
                    Literal::Float(number) => serde_json::Value::from(number),
                    Literal::Bool(flag) => serde_json::Value::from(flag),
                })));
            }
            SchemaRule::Note(note) => notes.push(note.to_owned()),
        }
    }
    object
}

fn as_usize(bound: u64) -> usize {
    usize::try_from(bound).unwrap_or(usize::MAX)
}

/// Whether a Rust pattern means the same in ECMA-262: not when it uses
/// syntax only Rust's engine has (inline flags, `\A`, `\z`, classes such
/// as `[[:alpha:]]`, Unicode classes without the `u` flag, possessive or
/// set operations).
fn ecma_compatible(pattern: &str) -> bool {
    !["(?", "\\A", "\\z", "[[:", "\\p{", "\\P{", "&&", "--", "~~"]
        .iter()
        .any(|syntax| pattern.contains(syntax))
}

/// A type's schema with its name in `components.schemas`.
pub type NamedSchema = (std::borrow::Cow<'static, str>, RefOr<Schema>);

/// The body a handler reads, as its policy attribute records it: the
/// media type and the body type's schema, if the type has one.
#[derive(Debug, Clone, Copy)]
pub struct RequestBody {
    /// `application/json` or `application/x-www-form-urlencoded`.
    pub media_type: &'static str,
    /// The body type's name and schema; `None` for a type without a
    /// schema (one that derives no `Validate`, such as `serde_json::Value`).
    pub schema: fn() -> Option<NamedSchema>,
}

/// Compares the media type only: function addresses are not stable
/// across codegen units.
impl PartialEq for RequestBody {
    fn eq(&self, other: &Self) -> bool {
        self.media_type == other.media_type
    }
}

impl Eq for RequestBody {}

/// Asks whether `T` has a schema without requiring one: method
/// resolution on `&&Probe<T>` picks [`ViaToSchema`] when `T: ToSchema`, and
/// falls back to [`NoSchema`] otherwise.
#[derive(Debug)]
pub struct Probe<T>(std::marker::PhantomData<T>);

impl<T> Probe<T> {
    /// The probe for `T`.
    pub const fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<T> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The schema of a body type that has one.
pub trait ViaToSchema {
    /// The type's name and schema.
    fn body_schema(&self) -> Option<NamedSchema>;
}

impl<T: utoipa::ToSchema> ViaToSchema for &Probe<T> {
    fn body_schema(&self) -> Option<NamedSchema> {
        Some((T::name(), T::schema()))
    }
}

/// No schema for a body type without one.
pub trait NoSchema {
    /// Nothing.
    fn body_schema(&self) -> Option<NamedSchema>;
}

impl<T> NoSchema for Probe<T> {
    fn body_schema(&self) -> Option<NamedSchema> {
        None
    }
}

/// The schema a probe found, or any value for a type without one.
pub fn schema_or_any(found: Option<NamedSchema>) -> RefOr<Schema> {
    found.map_or_else(any_value, |(_, schema)| schema)
}

fn any_value() -> RefOr<Schema> {
    RefOr::T(
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
            .build()
            .into(),
    )
}

/// The schemas a response refers to, by name, for `components.schemas`.
pub type Components = Vec<(String, RefOr<Schema>)>;

/// A handler's success answer, as its policy attribute records it: the
/// status (`#[response(status = …)]`, 200 otherwise) and the `Json<T>` the
/// handler returns or `#[response(body = T)]` names.
#[derive(Debug, Clone, Copy)]
pub struct ResponseBody {
    /// The success status.
    pub status: u16,
    /// The JSON body's schema, adding the schemas it refers to; `None`
    /// when the handler's return type names no body.
    pub schema: Option<fn(&mut Components) -> RefOr<Schema>>,
}

/// Compares the status only: function addresses are not stable across
/// codegen units.
impl PartialEq for ResponseBody {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status && self.schema.is_some() == other.schema.is_some()
    }
}

impl Eq for ResponseBody {}

/// A type a handler answers with as JSON, documented by its schema.
///
/// Every `utoipa::ToSchema` type is one; derive it with
/// `#[derive(portcullis::openapi::ToSchema)]`.
#[diagnostic::on_unimplemented(
    message = "the response type `{Self}` has no OpenAPI schema",
    label = "the handler answers with this type",
    note = "derive `portcullis::openapi::ToSchema` on `{Self}` (with `use portcullis::openapi::utoipa;` in the module), or name a documented type with `#[response(body = …)]`"
)]
pub trait ResponseSchema {
    /// The schema of the body: a reference for a named object, whose
    /// schema goes into `components` with the ones it refers to, and the
    /// schema itself otherwise.
    fn response_schema(components: &mut Components) -> RefOr<Schema>;
}

impl<T: utoipa::ToSchema + ?Sized> ResponseSchema for T {
    fn response_schema(components: &mut Components) -> RefOr<Schema> {
        T::schemas(components);
        named_or_inline(T::name(), T::schema(), components)
    }
}

/// A reference to `schema` under `name` when it is an object with
/// properties or a composition (a type of the application's); the schema
/// itself for scalars, arrays and free-form values.
fn named_or_inline(
    name: std::borrow::Cow<'static, str>,
    schema: RefOr<Schema>,
    components: &mut Components,
) -> RefOr<Schema> {
    let named = match &schema {
        RefOr::T(Schema::Object(object)) => {
            !object.properties.is_empty() || object.enum_values.is_some()
        }
        RefOr::T(Schema::OneOf(_) | Schema::AllOf(_) | Schema::AnyOf(_)) => true,
        _ => false,
    };
    if !named {
        return schema;
    }
    let reference = RefOr::Ref(utoipa::openapi::Ref::from_schema_name(name.as_ref()));
    components.push((name.into_owned(), schema));
    reference
}

/// The path and query parameters a handler reads, as its policy attribute
/// records them.
#[derive(Debug, Clone, Copy)]
pub struct Parameters {
    /// `Path<T>`: one schema per element of a tuple `T`, or `T`'s own
    /// (an object whose properties are named like the template's
    /// parameters, or one scalar); `None` where a type has no schema.
    pub path: Option<fn() -> PathSchemas>,
    /// `Query<T>`: `T`'s schema, an object with one property per query
    /// parameter.
    pub query: Option<fn() -> Option<NamedSchema>>,
}

impl Parameters {
    /// No typed parameters: path parameters are strings.
    pub const NONE: Self = Self {
        path: None,
        query: None,
    };
}

/// Compares which extractors are named only: function addresses are not
/// stable across codegen units.
impl PartialEq for Parameters {
    fn eq(&self, other: &Self) -> bool {
        self.path.is_some() == other.path.is_some() && self.query.is_some() == other.query.is_some()
    }
}

impl Eq for Parameters {}

/// The schemas of a `Path<T>`'s elements, in order.
pub type PathSchemas = Vec<Option<NamedSchema>>;

/// The schemas of a `Path<(A, B, …)>`'s elements as a list.
pub fn schemas<const N: usize>(found: [Option<NamedSchema>; N]) -> PathSchemas {
    found.into()
}
