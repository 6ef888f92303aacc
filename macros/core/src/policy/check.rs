//! Turns the raw attribute model into a checked policy, recording every mistake.

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{ItemFn, Path};

use super::parse::{AttrKind, Name, RateLimitArg, RawPolicy, SchemeKind, Term};
use crate::diagnostics::Errors;

/// A role or scope that passed the checks.
#[derive(Debug)]
pub enum CheckedName {
    Lit(String, Span),
    /// A vocabulary variant; `owner` is its enum when the path names one
    /// (`Role::Admin`), `None` for a variant brought in by a `use` (`Admin`).
    Variant {
        path: Path,
        owner: Option<Path>,
    },
    /// A `const` of type `&str`, named in `UPPER_CASE` as Rust constants are
    /// (`ADMIN`, `roles::ADMIN`); checked for blanks and duplicates when the
    /// policy constant is evaluated.
    Const {
        path: Path,
    },
}

/// The requirement tree, legal by construction.
#[derive(Debug)]
pub enum Req {
    Public,
    Authenticated,
    Role(CheckedName),
    AnyRole(Vec<CheckedName>),
    Scopes(Vec<CheckedName>),
    All(Vec<Req>),
    Any(Vec<Req>),
}

/// A checked policy, ready to expand.
#[derive(Debug)]
pub struct CheckedPolicy {
    pub requirement: Req,
    pub scheme: SchemeKind,
    /// The facade's path from `crate = "…"`, when given.
    pub root: Option<Path>,
    pub limits: Vec<CheckedLimit>,
}

/// A checked `rate_limit(..)`.
#[derive(Debug)]
pub struct CheckedLimit {
    pub name: String,
    pub max: u32,
    pub period_secs: u64,
    pub key: LimitKey,
}

/// What a checked limit is keyed by.
#[derive(Debug)]
pub enum LimitKey {
    Client,
    Subject,
    Field(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Role,
    Scope,
}

impl NameKind {
    fn word(self) -> &'static str {
        match self {
            Self::Role => "role",
            Self::Scope => "scope",
        }
    }
}

/// Checks `raw`, written on `handler`, recording every mistake.
pub fn check(
    raw: &RawPolicy,
    handler: &ItemFn,
    written: &proc_macro2::TokenStream,
) -> syn::Result<CheckedPolicy> {
    let mut errors = Errors::default();
    check_handler(raw.kind, handler, written, &mut errors);
    let name = raw.kind.name();
    if let Some(stray) = &raw.stray {
        let message = match raw.kind {
            AttrKind::Public => "`public` takes no arguments; write `#[public]`".to_owned(),
            _ => format!(
                "`{name}` takes no role or scope; write `#[{name}]`, `#[{name}(scheme = basic)]`, or use `requires_role(..)`"
            ),
        };
        errors.spanned(stray, message);
    }
    for extra in raw.schemes.iter().skip(1) {
        errors.spanned(
            extra.key,
            format!("`{name}` takes `scheme` once; remove this one"),
        );
    }
    for extra in raw.roots.iter().skip(1) {
        errors.spanned(
            extra.key,
            format!("`{name}` takes `crate` once; remove this one"),
        );
    }
    let root = raw
        .roots
        .first()
        .and_then(|arg| match crate::paths::parse_root(&arg.value) {
            Ok(path) => Some(path),
            Err(error) => {
                errors.push(error);
                None
            }
        });
    let scheme = raw
        .schemes
        .first()
        .map_or(SchemeKind::Bearer, |arg| arg.scheme);
    let requirement = match raw.kind {
        AttrKind::Public => Req::Public,
        AttrKind::Authenticated => Req::Authenticated,
        AttrKind::RequiresRole => {
            if raw.names.is_empty() {
                errors.push(syn::Error::new(
                    raw.span,
                    "`requires_role` needs a role, such as `#[requires_role(\"admin\")]`",
                ));
            }
            for extra in raw.names.iter().skip(1) {
                errors.spanned(
                    name_tokens(extra),
                    "`requires_role` takes one role; use `requires_any_role(..)` for any of several, or `requires(all(role = .., role = ..))` for all of them",
                );
            }
            let names = check_names(&raw.names, NameKind::Role, name, &mut errors);
            names
                .into_iter()
                .next()
                .map_or(Req::Authenticated, Req::Role)
        }
        AttrKind::RequiresAnyRole => {
            if raw.names.is_empty() {
                errors.push(syn::Error::new(
                    raw.span,
                    "`requires_any_role` needs at least one role, such as `#[requires_any_role(\"user\", \"admin\")]`",
                ));
            }
            Req::AnyRole(check_names(&raw.names, NameKind::Role, name, &mut errors))
        }
        AttrKind::RequiresScope => {
            if raw.names.is_empty() {
                errors.push(syn::Error::new(
                    raw.span,
                    "`requires_scope` needs at least one scope, such as `#[requires_scope(\"items:read\")]`",
                ));
            }
            Req::Scopes(check_names(&raw.names, NameKind::Scope, name, &mut errors))
        }
        AttrKind::Requires => {
            if raw.terms.is_empty() {
                errors.push(syn::Error::new(
                    raw.span,
                    "`requires` needs a condition, such as `#[requires(role = \"admin\")]` or `#[requires(all(role = \"user\", scope = \"items:write\"))]`",
                ));
            }
            let mut parts = check_terms(&raw.terms, &mut errors);
            if parts.len() == 1 {
                parts.remove(0)
            } else {
                Req::All(parts)
            }
        }
    };
    let limits = check_limits(&raw.limits, raw.kind, &mut errors);
    errors.finish(CheckedPolicy {
        requirement,
        scheme,
        root,
        limits,
    })
}

/// The handler must be a free `async fn` with no second policy attribute.
fn check_handler(
    kind: AttrKind,
    handler: &ItemFn,
    written: &proc_macro2::TokenStream,
    errors: &mut Errors,
) {
    let name = kind.name();
    if handler.sig.asyncness.is_none() {
        errors.spanned(
            handler.sig.fn_token,
            format!(
                "`{name}` goes on an `async fn` handler; write `async fn {}(..)`",
                handler.sig.ident
            ),
        );
    }
    if let Some(receiver) = handler.sig.receiver() {
        errors.spanned(
            receiver,
            format!("`{name}` handlers are free functions; move this one out of the `impl` block"),
        );
    } else if let Some(self_type) = names_self(handler, written) {
        errors.spanned(
            self_type,
            format!("`{name}` handlers are free functions, and this one names `Self`; move it out of the `impl` block"),
        );
    }
    if already_guarded(handler) {
        errors.push(syn::Error::new(
            Span::call_site(),
            format!("a handler takes one policy attribute, and this one already has one (perhaps imported under another name); combine conditions in one `#[requires(all(..))]` or `#[requires(any(..))]` instead of adding `{name}`"),
        ));
    }
    let typed: Vec<_> = handler
        .sig
        .inputs
        .iter()
        .filter(|input| matches!(input, syn::FnArg::Typed(_)))
        .collect();
    if let Some(last) = typed.get(MAX_EXTRACTORS - 1)
        && !already_guarded(handler)
    {
        errors.spanned(
            last,
            format!("`{name}` adds a guard parameter, and axum handlers take at most {MAX_EXTRACTORS} extractors; this handler already has {}, so take at most {} (group several into one extractor struct)", typed.len(), MAX_EXTRACTORS - 1),
        );
    }
    for attr in &handler.attrs {
        let Some(ident) = attr.path().segments.last().map(|segment| &segment.ident) else {
            continue;
        };
        if AttrKind::NAMES.iter().any(|other| ident == other) {
            errors.spanned(
                attr,
                format!("a handler takes one policy attribute, and this one already has `{name}`; combine conditions with `#[requires(all(..))]` or `#[requires(any(..))]`"),
            );
        }
    }
    if kind == AttrKind::Public {
        for input in &handler.sig.inputs {
            if let syn::FnArg::Typed(typed) = input
                && last_ident_is(&typed.ty, "Principal")
            {
                errors.spanned(
                    &typed.ty,
                    "`#[public]` handlers have no verified caller; take `Option<Principal>`, or use `#[authenticated]`",
                );
            }
        }
    }
}

/// The first `Self` the handler names: a sign that it is an associated
/// function (`Self` is an error anywhere else), where the policy type the
/// expansion declares beside it is not allowed. The body counts only when it
/// declares no item of its own, inside which `Self` would be legal. An
/// associated function that names neither `self` nor `Self` cannot be told
/// from a free one: the macro sees only the function. `written` is the
/// handler's tokens as written.
fn names_self(handler: &ItemFn, written: &proc_macro2::TokenStream) -> Option<proc_macro2::Ident> {
    // Most handlers never write `Self`. The compiler prints the handler as
    // written in one call, and a text without the word cannot hold the
    // identifier; only the rest are walked token by token, where every
    // identifier compared costs a conversion to text.
    if !written.to_string().contains("Self") {
        return None;
    }
    fn find(tokens: proc_macro2::TokenStream) -> Option<proc_macro2::Ident> {
        tokens.into_iter().find_map(|token| match token {
            proc_macro2::TokenTree::Ident(ident) if ident == "Self" => Some(ident),
            proc_macro2::TokenTree::Group(group) => find(group.stream()),
            _ => None,
        })
    }
    fn declares_items(tokens: proc_macro2::TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ["impl", "trait", "struct", "enum", "union"]
                .iter()
                .any(|keyword| ident == keyword),
            proc_macro2::TokenTree::Group(group) => declares_items(group.stream()),
            _ => false,
        })
    }
    find(handler.sig.to_token_stream()).or_else(|| {
        let body = handler.block.to_token_stream();
        if declares_items(body.clone()) {
            None
        } else {
            find(body)
        }
    })
}

/// How many parameters axum's `Handler` impls accept.
const MAX_EXTRACTORS: usize = 16;

/// Whether another policy attribute (say one imported under another name,
/// which this one cannot recognise by its name) already added the guard.
pub fn already_guarded(handler: &ItemFn) -> bool {
    handler.sig.inputs.iter().any(|input| match input {
        syn::FnArg::Typed(typed) => {
            matches!(&*typed.pat, syn::Pat::Ident(pat) if pat.ident == "__portcullis_guard")
        }
        syn::FnArg::Receiver(_) => false,
    })
}

fn last_ident_is(ty: &syn::Type, wanted: &str) -> bool {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == wanted),
        _ => false,
    }
}

fn name_tokens(name: &Name) -> proc_macro2::TokenStream {
    match name {
        Name::Lit(lit) => lit.to_token_stream(),
        Name::Path(path) => path.to_token_stream(),
    }
}

fn name_key(name: &Name) -> String {
    match name {
        Name::Lit(lit) => format!("\"{}\"", lit.value()),
        Name::Path(path) => path.to_token_stream().to_string().replace(' ', ""),
    }
}

fn check_names(
    names: &[Name],
    kind: NameKind,
    attr: &str,
    errors: &mut Errors,
) -> Vec<CheckedName> {
    let mut seen: Vec<String> = Vec::new();
    let mut checked = Vec::new();
    for name in names {
        let key = name_key(name);
        if seen.contains(&key) {
            errors.spanned(
                name_tokens(name),
                format!(
                    "{} {key} is listed twice in `{attr}`; remove one",
                    kind.word()
                ),
            );
            continue;
        }
        seen.push(key);
        if let Some(name) = check_name(name, kind, attr, errors) {
            checked.push(name);
        }
    }
    checked
}

fn check_name(name: &Name, kind: NameKind, attr: &str, errors: &mut Errors) -> Option<CheckedName> {
    match name {
        Name::Lit(lit) => {
            let value = lit.value();
            let word = kind.word();
            if value.trim().is_empty() {
                errors.spanned(
                    lit,
                    format!(
                        "`{attr}` needs a non-empty {word}, such as {}",
                        example(kind)
                    ),
                );
                None
            } else if value.chars().any(char::is_whitespace) {
                errors.spanned(
                    lit,
                    format!("a {word} is one word without spaces; list several as separate strings, such as {}", example(kind)),
                );
                None
            } else {
                Some(CheckedName::Lit(value, lit.span()))
            }
        }
        Name::Path(path) if names_const(path) => Some(CheckedName::Const { path: path.clone() }),
        Name::Path(path) => {
            let owner = (path.segments.len() > 1).then(|| {
                let mut owner = path.clone();
                owner.segments.pop();
                owner.segments.pop_punct();
                owner
            });
            Some(CheckedName::Variant {
                path: path.clone(),
                owner,
            })
        }
    }
}

/// Whether `path` names a constant: its last segment is written in
/// `UPPER_CASE` (or lower case), as Rust constants are, rather than in
/// `CamelCase` as enum variants are.
fn names_const(path: &Path) -> bool {
    path.segments.last().is_some_and(|segment| {
        let ident = segment.ident.to_string();
        let ident = ident.trim_start_matches("r#");
        let camel = ident.chars().next().is_some_and(char::is_uppercase)
            && ident.chars().any(char::is_lowercase);
        !camel
    })
}

fn example(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Role => "\"admin\"",
        NameKind::Scope => "\"items:read\"",
    }
}

fn check_terms(terms: &[Term], errors: &mut Errors) -> Vec<Req> {
    let mut seen: Vec<(NameKind, String)> = Vec::new();
    let mut out = Vec::new();
    for term in terms {
        match term {
            Term::Role(name) | Term::Scope(name) => {
                let kind = if matches!(term, Term::Role(..)) {
                    NameKind::Role
                } else {
                    NameKind::Scope
                };
                let key = (kind, name_key(name));
                if seen.contains(&key) {
                    errors.spanned(
                        name_tokens(name),
                        format!("{} {} is listed twice here; remove one", kind.word(), key.1),
                    );
                    continue;
                }
                seen.push(key);
                if let Some(checked) = check_name(name, kind, "requires", errors) {
                    out.push(match kind {
                        NameKind::Role => Req::Role(checked),
                        NameKind::Scope => Req::Scopes(vec![checked]),
                    });
                }
            }
            Term::Any(_, children) | Term::All(_, children) => {
                let (any, key) = match term {
                    Term::Any(key, _) => (true, key.span),
                    Term::All(key, _) => (false, key.span),
                    _ => continue,
                };
                let word = if any { "any" } else { "all" };
                if children.is_empty() {
                    errors.push(syn::Error::new(key, format!("`{word}()` needs at least one condition, such as `{word}(role = \"admin\")`")));
                    continue;
                }
                let parts = check_terms(children, errors);
                out.push(if any {
                    Req::Any(parts)
                } else {
                    Req::All(parts)
                });
            }
        }
    }
    out
}

impl CheckedName {
    /// Where the name was written.
    pub fn span(&self) -> Span {
        match self {
            Self::Lit(_, span) => *span,
            Self::Variant { path, .. } | Self::Const { path } => path.span(),
        }
    }
}

const LIMIT_EXAMPLE: &str = "`rate_limit(\"login\", 5 per minute, key = client)`";

fn check_limits(raw: &[RateLimitArg], kind: AttrKind, errors: &mut Errors) -> Vec<CheckedLimit> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for limit in raw {
        let mut ok = true;
        for extra in limit.names.iter().skip(1) {
            errors.spanned(extra, "`rate_limit` takes one name; remove this one");
            ok = false;
        }
        for extra in limit.quotas.iter().skip(1) {
            errors.spanned(&extra.count, "`rate_limit` takes one quota; declare another `rate_limit(..)` with its own name for a second one");
            ok = false;
        }
        for extra in limit.keys.iter().skip(1) {
            errors.spanned(
                &extra.kind,
                "`rate_limit` takes `key` once; remove this one",
            );
            ok = false;
        }
        let name = match limit.names.first() {
            None => {
                errors.spanned(
                    limit.keyword,
                    format!("`rate_limit` needs a name, such as {LIMIT_EXAMPLE}"),
                );
                None
            }
            Some(lit) => {
                let value = lit.value();
                if value.is_empty()
                    || !value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
                {
                    errors.spanned(lit, "a rate-limit name is letters, digits, `-`, `_`, `.` or `:`, such as \"login\"");
                    None
                } else if seen.contains(&value) {
                    errors.spanned(lit, format!("rate limit \"{value}\" is declared twice on this handler; give each limit its own name"));
                    None
                } else {
                    seen.push(value.clone());
                    Some(value)
                }
            }
        };
        let quota = match limit.quotas.first() {
            None => {
                errors.spanned(
                    limit.keyword,
                    format!("`rate_limit` needs a quota, such as {LIMIT_EXAMPLE}"),
                );
                None
            }
            Some(quota) => check_quota(quota, errors),
        };
        let key = match limit.keys.first() {
            None => Some(LimitKey::Client),
            Some(key) => match (key.kind.to_string().as_str(), &key.field) {
                ("client", None) => Some(LimitKey::Client),
                ("subject", None) if kind == AttrKind::Public => {
                    errors.spanned(&key.kind, "`#[public]` routes have no authenticated subject; key this limit by `client` or by a `field(..)`");
                    None
                }
                ("subject", None) => Some(LimitKey::Subject),
                ("field", Some(field)) if !field.value().is_empty() => {
                    Some(LimitKey::Field(field.value()))
                }
                ("field", _) => {
                    errors.spanned(&key.kind, "`key = field(..)` names a request field, such as `key = field(\"username\")`");
                    None
                }
                (other, _) => {
                    errors.spanned(&key.kind, format!("unknown rate-limit key `{other}`; write `key = client`, `key = subject` or `key = field(\"username\")`"));
                    None
                }
            },
        };
        if let (true, Some(name), Some((max, period_secs)), Some(key)) = (ok, name, quota, key) {
            out.push(CheckedLimit {
                name,
                max,
                period_secs,
                key,
            });
        }
    }
    out
}

fn check_quota(quota: &super::parse::QuotaArg, errors: &mut Errors) -> Option<(u32, u64)> {
    let count = match quota.count.base10_parse::<u32>() {
        Ok(0) | Err(_) => {
            errors.spanned(
                &quota.count,
                "`rate_limit` allows at least one request, such as `5 per minute`",
            );
            None
        }
        Ok(count) => Some(count),
    };
    let periods = match &quota.periods {
        None => Some(1),
        Some(lit) => match lit.base10_parse::<u64>() {
            Ok(0) | Err(_) => {
                errors.spanned(
                    lit,
                    "a rate-limit period is at least one, such as `5 per 10 seconds`",
                );
                None
            }
            Ok(periods) => Some(periods),
        },
    };
    let unit = match quota.unit.to_string().trim_end_matches('s') {
        "second" => Some(1),
        "minute" => Some(60),
        "hour" => Some(3600),
        "day" => Some(86_400),
        other => {
            errors.spanned(&quota.unit, format!("unknown period `{other}`; write `second`, `minute`, `hour` or `day` (or a count of them, such as `10 seconds`)"));
            None
        }
    };
    Some((count?, periods?.checked_mul(unit?)?))
}

#[cfg(test)]
mod tests {
    use super::names_self;
    use quote::ToTokens;

    #[test]
    fn self_marks_an_associated_handler() {
        let in_signature: syn::ItemFn = syn::parse_quote!(
            async fn stats() -> Json<Self> {
                Json(Self::current())
            }
        );
        assert!(names_self(&in_signature, &in_signature.to_token_stream()).is_some());
        let in_body: syn::ItemFn = syn::parse_quote!(
            async fn stats() -> String {
                Self::render()
            }
        );
        assert!(names_self(&in_body, &in_body.to_token_stream()).is_some());
        let in_a_nested_item: syn::ItemFn = syn::parse_quote!(
            async fn stats() {
                struct Node {
                    next: Option<Box<Self>>,
                }
            }
        );
        assert!(names_self(&in_a_nested_item, &in_a_nested_item.to_token_stream()).is_none());
        let free: syn::ItemFn = syn::parse_quote!(
            async fn stats(State(app): State<App>) -> String {
                app.render()
            }
        );
        assert!(names_self(&free, &free.to_token_stream()).is_none());
    }
}
