//! The checked model: only rules that fit their field, with every mistake
//! recorded against the token that caused it.

use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitInt, LitStr, Type, UnOp};

use super::parse;
use super::shape::Shape;
use crate::diagnostics::Errors;

/// A struct whose rules all make sense.
#[derive(Debug)]
pub struct Container {
    pub ident: Ident,
    pub generics: syn::Generics,
    pub fields: Vec<Field>,
    /// Rules across fields, run after the fields' own, at the struct's path.
    pub custom: Vec<syn::Path>,
}

/// How a field is read from the input, for the report of every missing or
/// mistyped member when the input does not deserialize.
#[derive(Debug)]
pub enum Wire {
    /// `#[serde(skip)]`: never read.
    Skipped,
    /// `#[serde(flatten)]`: its members sit at the parent's level.
    Flattened,
    /// A member under one of these names (the first is the one reported).
    Member { names: Vec<String>, required: bool },
}

/// A field and what to do with it.
#[derive(Debug)]
pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    /// The member name in the input, or `None` when `#[serde(flatten)]`
    /// puts the field's members at the parent's level.
    pub key: Option<String>,
    /// How serde reads the field.
    pub wire: Wire,
    pub presence: Presence,
    pub rules: Vec<Rule>,
    /// Rules for each item of a list, and whether items are validated as nested values.
    pub each: Option<Vec<Rule>>,
    pub sanitizers: Vec<Ident>,
    /// The type to sanitize and validate as a nested value, if `nested` was asked.
    pub nested: Option<Type>,
    /// Whether `each(nested)` validates every item as a nested value.
    pub each_nested: bool,
    /// The types that must implement `Validate` for `nested` to work: the
    /// field's value type, or the item type for `each(nested)`.
    pub nested_bounds: Vec<Type>,
    /// Whether `nested` (for the field or its items) needs sanitizing the field.
    pub sanitize_nested: bool,
}

/// How the field's `Option`, if any, is handled.
#[derive(Debug)]
pub enum Presence {
    /// Not an `Option`: always checked.
    Always,
    /// An `Option`: checked when present.
    Optional,
    /// An `Option` with `required`: absent is an error.
    Required,
}

/// A checked rule with the keyword it came from (for spans).
#[derive(Debug)]
pub struct Rule {
    pub keyword: Ident,
    pub kind: RuleKind,
}

/// What a rule checks.
// A few rules per field, built once at compile time: size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum RuleKind {
    Length {
        min: Option<LitInt>,
        max: Option<LitInt>,
    },
    Range {
        min: Option<Expr>,
        max: Option<Expr>,
    },
    Email,
    Url,
    Regex(LitStr),
    OneOf(Vec<Expr>),
    Custom(syn::Path),
}

impl Container {
    /// Checks every field of `raw`, recording each mistake in `errors`.
    pub fn from_raw(raw: parse::Container, errors: &mut Errors) -> Self {
        let rename_all = raw.rename_all.as_ref().map(LitStr::value);
        let serde_default = raw.serde_default;
        let fields = raw
            .fields
            .into_iter()
            .map(|field| Field::from_raw(field, rename_all.as_deref(), serde_default, errors))
            .collect();
        Self {
            ident: raw.ident,
            generics: raw.generics,
            fields,
            custom: raw.custom,
        }
    }
}

impl Field {
    fn from_raw(
        raw: parse::Field,
        rename_all: Option<&str>,
        container_default: bool,
        errors: &mut Errors,
    ) -> Self {
        let name = syn::ext::IdentExt::unraw(&raw.ident).to_string();
        let key = (!raw.flatten).then(|| match &raw.rename {
            Some(rename) => rename.value(),
            None => rename_all.map_or_else(|| name.clone(), |rule| rename_field(&name, rule)),
        });
        check_presence_of_rules(&raw, &name, errors);
        let field_shape = Shape::of(&raw.ty);
        let (target_ty, target, is_option) = match &field_shape {
            Shape::Option(inner) => (inner.clone(), Shape::of(inner), true),
            _ => (raw.ty.clone(), field_shape.clone(), false),
        };
        let wire = if raw.serde_skip {
            Wire::Skipped
        } else if raw.flatten {
            Wire::Flattened
        } else {
            let mut names: Vec<String> = key.iter().cloned().collect();
            names.extend(raw.aliases.iter().map(LitStr::value));
            Wire::Member {
                names,
                required: !(is_option || raw.serde_default || container_default),
            }
        };
        let mut checked = Self {
            ident: raw.ident.clone(),
            ty: raw.ty.clone(),
            key,
            wire,
            presence: if is_option {
                Presence::Optional
            } else {
                Presence::Always
            },
            rules: Vec::new(),
            each: None,
            sanitizers: Vec::new(),
            nested: None,
            each_nested: false,
            nested_bounds: Vec::new(),
            sanitize_nested: false,
        };
        let mut seen: Vec<String> = Vec::new();
        for rule in raw.rules {
            if duplicate(&mut seen, rule.keyword(), errors) {
                continue;
            }
            match rule {
                parse::Rule::Required(keyword) => {
                    if is_option {
                        checked.presence = Presence::Required;
                    } else {
                        errors.spanned(
                            &keyword,
                            format!("`required` applies to `Option` fields; field `{name}` is always present"),
                        );
                    }
                }
                parse::Rule::Nested(keyword) => {
                    if fits_nested(&target, &keyword, &name, errors) {
                        checked.nested = Some(target_ty.clone());
                        checked.nested_bounds.push(target_ty.clone());
                        checked.sanitize_nested = true;
                    }
                }
                parse::Rule::Each { keyword, rules } => {
                    let item = match &target {
                        Shape::List(Some(item)) => Some(item.clone()),
                        Shape::Other => None,
                        _ => {
                            errors.spanned(
                                &keyword,
                                format!(
                                    "`each` checks the items of a list, but field `{name}` is {}; use the rules directly",
                                    target.describe()
                                ),
                            );
                            continue;
                        }
                    };
                    let item_shape = item.as_ref().map_or(Shape::Other, Shape::of);
                    let (rules, nested) = item_rules(rules, &item_shape, &name, errors);
                    checked.sanitize_nested |= nested;
                    checked.each_nested = nested;
                    if nested {
                        checked
                            .nested_bounds
                            .push(item.unwrap_or_else(|| target_ty.clone()));
                    }
                    checked.each = Some(rules);
                }
                other => {
                    if let Some(rule) = Rule::from_raw(other, &target, &name, errors) {
                        checked.rules.push(rule);
                    }
                }
            }
        }
        for sanitizer in raw.sanitizers {
            check_sanitizer(
                &sanitizer,
                &mut checked.sanitizers,
                &field_shape,
                &name,
                errors,
            );
        }
        checked
    }
}

/// A field must say what is checked: a rule, a sanitizer, or `skip`; an
/// empty `#[validate()]` says nothing. Fields serde never reads are exempt.
fn check_presence_of_rules(raw: &parse::Field, name: &str, errors: &mut Errors) {
    if let Some(attr) = &raw.empty {
        errors.spanned(
            attr,
            format!("empty `#[validate()]` on field `{name}`; write a rule such as `#[validate(length(max = 100))]`, or `#[validate(skip)]` if the field needs none"),
        );
        return;
    }
    let has_rules = !raw.rules.is_empty() || !raw.sanitizers.is_empty();
    match &raw.skip {
        Some(skip) if has_rules => errors.spanned(
            skip,
            format!("field `{name}` has rules and `skip`; remove `skip`, or the rules"),
        ),
        Some(_) => {}
        None if has_rules || raw.serde_skip || raw.unreadable => {}
        None => errors.spanned(
            &raw.ident,
            format!("field `{name}` has no rule; add one such as `#[validate(length(max = 100))]`, or mark it `#[validate(skip)]` if that is deliberate"),
        ),
    }
}

/// The rules inside `each(...)`: no `each` or `required`; `nested` validates items.
fn item_rules(
    raw: Vec<parse::Rule>,
    item: &Shape,
    name: &str,
    errors: &mut Errors,
) -> (Vec<Rule>, bool) {
    let mut rules = Vec::new();
    let mut nested = false;
    let mut seen = Vec::new();
    for rule in raw {
        if duplicate(&mut seen, rule.keyword(), errors) {
            continue;
        }
        match rule {
            parse::Rule::Each { keyword, .. }
            | parse::Rule::Required(keyword)
            | parse::Rule::Skip(keyword) => {
                errors.spanned(
                    &keyword,
                    format!("`{keyword}` cannot be used inside `each`"),
                );
            }
            parse::Rule::Sanitize { keyword, .. } => {
                errors.spanned(
                    &keyword,
                    "`sanitize` cannot be used inside `each`; put it beside `each`, it rewrites every item of a `Vec<String>`",
                );
            }
            parse::Rule::Nested(keyword) => nested |= fits_nested(item, &keyword, name, errors),
            other => rules.extend(Rule::from_raw(other, item, name, errors)),
        }
    }
    (rules, nested)
}

/// Records a second use of the same rule; `true` if `keyword` was seen before.
fn duplicate(seen: &mut Vec<String>, keyword: &Ident, errors: &mut Errors) -> bool {
    let name = keyword.to_string();
    if seen.contains(&name) {
        errors.spanned(
            keyword,
            format!("duplicate rule `{name}`; give each rule once per field"),
        );
        return true;
    }
    seen.push(name);
    false
}

fn fits_nested(target: &Shape, keyword: &Ident, name: &str, errors: &mut Errors) -> bool {
    match target {
        Shape::Text | Shape::Number | Shape::Bool => {
            errors.spanned(
                keyword,
                format!(
                    "`nested` validates a type that derives `Validate`, but field `{name}` is {}; use rules such as `length` or `range` instead",
                    target.describe()
                ),
            );
            false
        }
        _ => true,
    }
}

impl Rule {
    /// Checks that `raw` fits a value of shape `target`.
    fn from_raw(raw: parse::Rule, target: &Shape, name: &str, errors: &mut Errors) -> Option<Self> {
        let wrong = |errors: &mut Errors, keyword: &Ident, what: &str, instead: &str| {
            errors.spanned(
                keyword,
                format!(
                    "`{keyword}` {what}, but field `{name}` is {}{instead}",
                    target.describe()
                ),
            );
            None
        };
        let kind = match raw {
            parse::Rule::Length { keyword, min, max } => {
                if matches!(target, Shape::Number | Shape::Bool) {
                    return wrong(
                        errors,
                        &keyword,
                        "counts characters or items",
                        "; use `range(min = …, max = …)` for numbers",
                    );
                }
                let (min_value, max_value) = (
                    int_bound(min.as_ref(), errors),
                    int_bound(max.as_ref(), errors),
                );
                check_order(&keyword, min.as_ref(), min_value, max_value, errors)?;
                return Some(Self {
                    keyword,
                    kind: RuleKind::Length { min, max },
                });
            }
            parse::Rule::Range { keyword, min, max } => {
                if matches!(target, Shape::Text | Shape::List(_) | Shape::Bool) {
                    return wrong(
                        errors,
                        &keyword,
                        "compares numbers",
                        "; use `length(min = …, max = …)` for text and lists",
                    );
                }
                let (min_value, max_value) =
                    (min.as_ref().and_then(number), max.as_ref().and_then(number));
                check_order(&keyword, min.as_ref(), min_value, max_value, errors)?;
                return Some(Self {
                    keyword,
                    kind: RuleKind::Range { min, max },
                });
            }
            parse::Rule::Email(keyword) => {
                return text_rule(keyword, RuleKind::Email, target, wrong, errors);
            }
            parse::Rule::Url(keyword) => {
                return text_rule(keyword, RuleKind::Url, target, wrong, errors);
            }
            parse::Rule::Regex { keyword, pattern } => {
                if let Err(error) = regex_syntax::Parser::new().parse(&pattern.value()) {
                    let reason = match &error {
                        regex_syntax::Error::Parse(error) => error.kind().to_string(),
                        regex_syntax::Error::Translate(error) => error.kind().to_string(),
                        other => other.to_string(),
                    };
                    errors.spanned(
                        &pattern,
                        format!("`regex` pattern does not compile: {reason}"),
                    );
                    return None;
                }
                return text_rule(keyword, RuleKind::Regex(pattern), target, wrong, errors);
            }
            parse::Rule::OneOf { keyword, values } => {
                if values.is_empty() {
                    errors.spanned(
                        &keyword,
                        "`one_of` needs at least one value, as in `one_of(\"a\", \"b\")`",
                    );
                    return None;
                }
                if matches!(target, Shape::List(_)) {
                    return wrong(
                        errors,
                        &keyword,
                        "compares one value",
                        "; use `each(one_of(…))` for the items",
                    );
                }
                (keyword, RuleKind::OneOf(values))
            }
            parse::Rule::Custom { keyword, function } => (keyword, RuleKind::Custom(function)),
            parse::Rule::Nested(_)
            | parse::Rule::Required(_)
            | parse::Rule::Skip(_)
            | parse::Rule::Each { .. }
            | parse::Rule::Sanitize { .. } => return None,
        };
        Some(Self {
            keyword: kind.0,
            kind: kind.1,
        })
    }
}

/// `email`, `url` and `regex`: only on text (or a type the compiler checks).
fn text_rule(
    keyword: Ident,
    kind: RuleKind,
    target: &Shape,
    wrong: impl Fn(&mut Errors, &Ident, &str, &str) -> Option<Rule>,
    errors: &mut Errors,
) -> Option<Rule> {
    if matches!(target, Shape::Text | Shape::Other) {
        Some(Rule { keyword, kind })
    } else {
        wrong(
            errors,
            &keyword,
            "checks text",
            "; use it on a `String` field",
        )
    }
}

/// Refuses `min` above `max` when both are known, on the `min` value.
fn check_order<T: quote::ToTokens>(
    keyword: &Ident,
    min: Option<&T>,
    min_value: Option<f64>,
    max_value: Option<f64>,
    errors: &mut Errors,
) -> Option<()> {
    if let (Some(min_token), Some(low), Some(high)) = (min, min_value, max_value)
        && low > high
    {
        errors.spanned(
            min_token,
            format!(
                "`{keyword}` has `min` ({low}) greater than `max` ({high}); no value could pass"
            ),
        );
        return None;
    }
    Some(())
}

fn int_bound(literal: Option<&LitInt>, errors: &mut Errors) -> Option<f64> {
    let literal = literal?;
    match literal.base10_parse::<usize>() {
        Ok(value) => Some(value as f64),
        Err(_) => {
            errors.spanned(literal, "a length bound must be a whole number such as `3`");
            None
        }
    }
}

/// The value of a numeric literal, possibly negated; `None` for other expressions.
fn number(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<f64>().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => float.base10_parse::<f64>().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => number(expr).map(|value| -value),
        Expr::Group(group) => number(&group.expr),
        Expr::Paren(paren) => number(&paren.expr),
        _ => None,
    }
}

fn check_sanitizer(
    sanitizer: &Ident,
    accepted: &mut Vec<Ident>,
    shape: &Shape,
    name: &str,
    errors: &mut Errors,
) {
    let known = matches!(
        sanitizer.to_string().as_str(),
        "trim" | "lowercase" | "html"
    );
    if !known {
        errors.spanned(
            sanitizer,
            format!("unknown sanitizer `{sanitizer}`; expected `trim`, `lowercase` or `html`"),
        );
    } else if accepted.contains(sanitizer) {
        errors.spanned(
            sanitizer,
            format!("duplicate sanitizer `{sanitizer}`; give each sanitizer once per field"),
        );
    } else if text_holder(shape) {
        accepted.push(sanitizer.clone());
    } else {
        errors.spanned(
            sanitizer,
            format!("`{sanitizer}` rewrites text, but field `{name}` is {}; sanitize `String` fields only", shape.describe()),
        );
    }
}

/// Whether a sanitizer can reach text in a value of this shape.
fn text_holder(shape: &Shape) -> bool {
    match shape {
        Shape::Text | Shape::Other | Shape::List(None) => true,
        Shape::Option(inner) | Shape::List(Some(inner)) => text_holder(&Shape::of(inner)),
        Shape::Number | Shape::Bool => false,
    }
}

/// serde's `rename_all` applied to a snake_case field name.
fn rename_field(name: &str, rule: &str) -> String {
    let pascal = || {
        name.split('_')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_uppercase().chain(chars).collect()
                })
            })
            .collect::<String>()
    };
    match rule {
        "lowercase" => name.to_ascii_lowercase(),
        "UPPERCASE" | "SCREAMING_SNAKE_CASE" => name.to_ascii_uppercase(),
        "PascalCase" => pascal(),
        "camelCase" => {
            let pascal = pascal();
            let mut chars = pascal.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_lowercase().chain(chars).collect()
            })
        }
        "kebab-case" => name.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => name.to_ascii_uppercase().replace('_', "-"),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::rename_field;

    #[test]
    fn rename_all_matches_serde() {
        assert_eq!(rename_field("first_name", "camelCase"), "firstName");
        assert_eq!(rename_field("first_name", "PascalCase"), "FirstName");
        assert_eq!(rename_field("first_name", "kebab-case"), "first-name");
        assert_eq!(
            rename_field("first_name", "SCREAMING-KEBAB-CASE"),
            "FIRST-NAME"
        );
        assert_eq!(
            rename_field("first_name", "SCREAMING_SNAKE_CASE"),
            "FIRST_NAME"
        );
        assert_eq!(rename_field("first_name", "UPPERCASE"), "FIRST_NAME");
        assert_eq!(rename_field("first_name", "lowercase"), "first_name");
        assert_eq!(rename_field("first_name", "snake_case"), "first_name");
    }
}
