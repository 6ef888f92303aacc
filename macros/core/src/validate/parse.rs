//! The raw model: what the user wrote in `#[validate]` (rules and
//! `sanitize(...)`) and `#[serde]`, with the tokens later errors point at.

use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Expr, Fields, Generics, Ident, LitInt, LitStr, Token, Type};

use crate::diagnostics::Errors;

/// The struct as written.
pub struct Container {
    pub ident: Ident,
    pub generics: Generics,
    pub rename_all: Option<LitStr>,
    /// `#[serde(default)]` on the struct: no member is required.
    pub serde_default: bool,
    /// `#[validate(custom = path)]` on the struct: rules across fields.
    pub custom: Vec<syn::Path>,
    /// `#[validate(crate = "…")]`: the facade's path.
    pub root: Option<syn::Path>,
    pub fields: Vec<Field>,
}

/// One named field as written.
pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    pub rename: Option<LitStr>,
    /// `#[serde(alias = "…")]`: other names the member may have.
    pub aliases: Vec<LitStr>,
    pub flatten: bool,
    /// `#[serde(default)]`: the member may be absent.
    pub serde_default: bool,
    /// `#[serde(skip)]` or `skip_deserializing`: never read from the input.
    pub serde_skip: bool,
    /// `#[validate(skip)]`: deliberately without rules.
    pub skip: Option<Ident>,
    /// An empty `#[validate()]`, kept for its error.
    pub empty: Option<syn::Attribute>,
    /// Whether a `#[validate(..)]` did not parse (its error is reported).
    pub unreadable: bool,
    pub rules: Vec<Rule>,
    pub sanitizers: Vec<Ident>,
}

/// One rule inside `#[validate(...)]`, keeping its keyword for errors.
// A few rules per field, built once at compile time: size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Rule {
    Length {
        keyword: Ident,
        min: Option<LitInt>,
        max: Option<LitInt>,
    },
    Range {
        keyword: Ident,
        min: Option<Expr>,
        max: Option<Expr>,
    },
    Email(Ident),
    Url(Ident),
    Regex {
        keyword: Ident,
        pattern: LitStr,
    },
    OneOf {
        keyword: Ident,
        values: Vec<Expr>,
    },
    Custom {
        keyword: Ident,
        function: syn::Path,
    },
    Nested(Ident),
    Required(Ident),
    /// `skip`: the field has no rules, on purpose.
    Skip(Ident),
    Each {
        keyword: Ident,
        rules: Vec<Rule>,
    },
    /// `sanitize(trim, …)`: not a rule but the rewrites that run before the rules.
    Sanitize {
        keyword: Ident,
        steps: Vec<Ident>,
    },
}

impl Rule {
    /// The keyword the user wrote, such as `length`.
    pub fn keyword(&self) -> &Ident {
        match self {
            Self::Length { keyword, .. }
            | Self::Range { keyword, .. }
            | Self::Regex { keyword, .. }
            | Self::OneOf { keyword, .. }
            | Self::Custom { keyword, .. }
            | Self::Each { keyword, .. }
            | Self::Sanitize { keyword, .. }
            | Self::Email(keyword)
            | Self::Url(keyword)
            | Self::Nested(keyword)
            | Self::Required(keyword)
            | Self::Skip(keyword) => keyword,
        }
    }
}

const RULES: &str = "`length`, `range`, `email`, `url`, `regex`, `one_of`, `custom`, `nested`, `each`, `required`, `sanitize` or `skip`";

impl Parse for Rule {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let keyword = input.call(Ident::parse_any)?;
        match keyword.to_string().as_str() {
            "length" => {
                let [min, max] = bounds(input, &keyword)?;
                Ok(Self::Length { keyword, min, max })
            }
            "range" => {
                let [min, max] = bounds(input, &keyword)?;
                Ok(Self::Range { keyword, min, max })
            }
            "email" => no_arguments(input, &keyword).map(|()| Self::Email(keyword)),
            "url" => no_arguments(input, &keyword).map(|()| Self::Url(keyword)),
            "nested" => no_arguments(input, &keyword).map(|()| Self::Nested(keyword)),
            "required" => no_arguments(input, &keyword).map(|()| Self::Required(keyword)),
            "skip" => no_arguments(input, &keyword).map(|()| Self::Skip(keyword)),
            "regex" => {
                equals(input, &keyword, "regex = \"^[a-z]+$\"")?;
                Ok(Self::Regex {
                    keyword,
                    pattern: input.parse()?,
                })
            }
            "custom" => {
                equals(input, &keyword, "custom = path::to::function")?;
                Ok(Self::Custom {
                    keyword,
                    function: input.parse()?,
                })
            }
            "one_of" => {
                let content = parenthesized(input, &keyword, "one_of(\"a\", \"b\")")?;
                let values = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
                Ok(Self::OneOf {
                    keyword,
                    values: values.into_iter().collect(),
                })
            }
            "each" => {
                let content = parenthesized(input, &keyword, "each(length(max = 30))")?;
                let rules = Punctuated::<Rule, Token![,]>::parse_terminated(&content)?;
                Ok(Self::Each {
                    keyword,
                    rules: rules.into_iter().collect(),
                })
            }
            "sanitize" => {
                let content = parenthesized(input, &keyword, "sanitize(trim, lowercase)")?;
                let steps = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
                Ok(Self::Sanitize {
                    keyword,
                    steps: steps.into_iter().collect(),
                })
            }
            other => Err(syn::Error::new_spanned(
                &keyword,
                format!("unknown rule `{other}`; expected one of {RULES}"),
            )),
        }
    }
}

/// `(min = …, max = …)` after `length` or `range`, either bound optional.
fn bounds<T: Parse>(input: ParseStream<'_>, keyword: &Ident) -> syn::Result<[Option<T>; 2]> {
    let example = format!("{keyword}(min = 1, max = 10)");
    let content = parenthesized(input, keyword, &example)?;
    let mut found: [Option<T>; 2] = [None, None];
    while !content.is_empty() {
        let key: Ident = content.call(Ident::parse_any)?;
        let slot = match key.to_string().as_str() {
            "min" => 0,
            "max" => 1,
            other => {
                return Err(syn::Error::new_spanned(
                    &key,
                    format!("unknown key `{other}` in `{keyword}`; expected `min` or `max`"),
                ));
            }
        };
        if found[slot].is_some() {
            return Err(syn::Error::new_spanned(
                &key,
                format!("`{key}` is given twice in `{keyword}`"),
            ));
        }
        content.parse::<Token![=]>()?;
        found[slot] = Some(content.parse()?);
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(found)
}

fn parenthesized<'a>(
    input: ParseStream<'a>,
    keyword: &Ident,
    example: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new_spanned(
            keyword,
            format!("`{keyword}` needs arguments, as in `{example}`"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    Ok(content)
}

fn equals(input: ParseStream<'_>, keyword: &Ident, example: &str) -> syn::Result<()> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new_spanned(
            keyword,
            format!("`{keyword}` needs a value, as in `{example}`"),
        ));
    }
    input.parse::<Token![=]>().map(drop)
}

fn no_arguments(input: ParseStream<'_>, keyword: &Ident) -> syn::Result<()> {
    let message = format!("`{keyword}` takes no arguments; write just `{keyword}`");
    if input.peek(syn::token::Paren) {
        let arguments: proc_macro2::TokenTree = input.parse()?;
        return Err(syn::Error::new_spanned(arguments, message));
    }
    if input.peek(Token![=]) {
        return Err(input.error(message));
    }
    Ok(())
}

impl Container {
    /// The raw model of `input`, or `None` (with an error) for anything but a
    /// struct with named fields.
    pub fn from_syn(input: &DeriveInput, errors: &mut Errors) -> Option<Self> {
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => &named.named,
                other => {
                    errors.spanned(other, "`Validate` needs a struct with named fields, so errors can name each field");
                    return None;
                }
            },
            Data::Enum(data) => {
                errors.spanned(
                    data.enum_token,
                    "`Validate` can be derived for structs with named fields, not enums",
                );
                return None;
            }
            Data::Union(data) => {
                errors.spanned(
                    data.union_token,
                    "`Validate` can be derived for structs with named fields, not unions",
                );
                return None;
            }
        };
        let (rename_all, serde_default) = serde_container(&input.attrs);
        let (custom, root) = validate_container(&input.attrs, errors);
        let fields = fields
            .iter()
            .filter_map(|field| Field::from_syn(field, errors))
            .collect();
        Some(Self {
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            rename_all,
            serde_default,
            custom,
            root,
            fields,
        })
    }
}

impl Field {
    fn from_syn(field: &syn::Field, errors: &mut Errors) -> Option<Self> {
        let ident = field.ident.clone()?;
        let mut parsed = Self {
            ident,
            ty: field.ty.clone(),
            rename: None,
            aliases: Vec::new(),
            flatten: false,
            serde_default: false,
            serde_skip: false,
            skip: None,
            empty: None,
            unreadable: false,
            rules: Vec::new(),
            sanitizers: Vec::new(),
        };
        for attr in &field.attrs {
            if attr.path().is_ident("validate") {
                match attr.parse_args_with(Punctuated::<Rule, Token![,]>::parse_terminated) {
                    Ok(rules) if rules.is_empty() => parsed.empty = Some(attr.clone()),
                    Ok(rules) => {
                        for rule in rules {
                            match rule {
                                Rule::Sanitize { steps, .. } => parsed.sanitizers.extend(steps),
                                Rule::Skip(keyword) => match &parsed.skip {
                                    Some(_) => errors.spanned(
                                        &keyword,
                                        "duplicate rule `skip`; give each rule once per field",
                                    ),
                                    None => parsed.skip = Some(keyword),
                                },
                                rule => parsed.rules.push(rule),
                            }
                        }
                    }
                    Err(error) => {
                        parsed.unreadable = true;
                        errors.push(error);
                    }
                }
            } else if attr.path().is_ident("serde") {
                serde_field(attr, &mut parsed);
            }
        }
        Some(parsed)
    }
}

/// One argument of `#[validate(..)]` on the struct itself.
enum ContainerArg {
    Custom(syn::Path),
    Crate(Token![crate], LitStr),
}

impl Parse for ContainerArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            let key = input.parse()?;
            input.parse::<Token![=]>()?;
            return Ok(Self::Crate(key, input.parse()?));
        }
        let keyword = input.call(Ident::parse_any)?;
        if keyword != "custom" {
            return Err(syn::Error::new_spanned(
                &keyword,
                format!(
                    "`{keyword}` does not go on the struct; `#[validate(..)]` on a struct takes `custom = path::to::check` for a rule across fields, or `crate = \"…\"`; put field rules on the fields"
                ),
            ));
        }
        equals(input, &keyword, "custom = path::to::check")?;
        Ok(Self::Custom(input.parse()?))
    }
}

/// `custom = …` rules and the `crate = "…"` option of the struct's `#[validate]`.
fn validate_container(
    attrs: &[syn::Attribute],
    errors: &mut Errors,
) -> (Vec<syn::Path>, Option<syn::Path>) {
    let mut custom = Vec::new();
    let mut root = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("validate")) {
        let args =
            match attr.parse_args_with(Punctuated::<ContainerArg, Token![,]>::parse_terminated) {
                Ok(args) => args,
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
        if args.is_empty() {
            errors.spanned(
                attr,
                "empty `#[validate()]` on a struct; write `#[validate(custom = path::to::check)]` for a rule across fields, or remove it",
            );
        }
        for arg in args {
            match arg {
                ContainerArg::Custom(function) => custom.push(function),
                ContainerArg::Crate(key, _) if root.is_some() => {
                    errors.spanned(key, "`crate` is given twice; keep one");
                }
                ContainerArg::Crate(_, value) => match crate::paths::parse_root(&value) {
                    Ok(path) => root = Some(path),
                    Err(error) => errors.push(error),
                },
            }
        }
    }
    (custom, root)
}

/// `rename_all` (or `rename_all(deserialize = …)`) and `default` from the container's `#[serde]`.
fn serde_container(attrs: &[syn::Attribute]) -> (Option<LitStr>, bool) {
    let mut rename_all = None;
    let mut default = false;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        // serde reports malformed attributes itself; ignore what we cannot read.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                rename_all = deserialize_name(&meta)?;
                Ok(())
            } else if meta.path.is_ident("default") {
                default = true;
                skip(&meta)
            } else {
                skip(&meta)
            }
        });
    }
    (rename_all, default)
}

/// `rename` (or `rename(deserialize = …)`), `alias`, `flatten`, `default`
/// and `skip` from a field's `#[serde]`.
fn serde_field(attr: &syn::Attribute, field: &mut Field) {
    let _ = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("rename") {
            field.rename = deserialize_name(&meta)?;
            Ok(())
        } else if meta.path.is_ident("alias") {
            field.aliases.push(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("flatten") {
            field.flatten = true;
            Ok(())
        } else if meta.path.is_ident("default") {
            field.serde_default = true;
            skip(&meta)
        } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_deserializing") {
            field.serde_skip = true;
            Ok(())
        } else {
            skip(&meta)
        }
    });
}

/// The name used when deserializing: `= "x"` or `(deserialize = "x", …)`.
fn deserialize_name(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        return meta.value()?.parse().map(Some);
    }
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("deserialize") {
            name = Some(inner.value()?.parse()?);
            Ok(())
        } else {
            skip(&inner)
        }
    })?;
    Ok(name)
}

/// Consumes a serde option this derive does not need.
fn skip(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>().map(drop)
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip(&inner))
    } else {
        Ok(())
    }
}
