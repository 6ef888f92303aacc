//! Parses a policy attribute's arguments into a raw model that keeps spans.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitInt, LitStr, Path, Token, parenthesized};

/// Which policy attribute was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    Public,
    Authenticated,
    RequiresRole,
    RequiresAnyRole,
    RequiresScope,
    Requires,
}

impl AttrKind {
    /// Every policy attribute's name, to spot a second one on the same handler.
    pub const NAMES: [&'static str; 6] = [
        "public",
        "authenticated",
        "requires_role",
        "requires_any_role",
        "requires_scope",
        "requires",
    ];

    /// The attribute's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Authenticated => "authenticated",
            Self::RequiresRole => "requires_role",
            Self::RequiresAnyRole => "requires_any_role",
            Self::RequiresScope => "requires_scope",
            Self::Requires => "requires",
        }
    }
}

/// The attributes' keywords.
pub mod kw {
    syn::custom_keyword!(role);
    syn::custom_keyword!(scope);
    syn::custom_keyword!(any);
    syn::custom_keyword!(all);
    syn::custom_keyword!(scheme);
    syn::custom_keyword!(bearer);
    syn::custom_keyword!(basic);
    syn::custom_keyword!(session);
    syn::custom_keyword!(rate_limit);
    syn::custom_keyword!(per);
    syn::custom_keyword!(key);
}

/// `rate_limit("name", 5 per minute, key = client)` as written; every part
/// optional here, so `check` can say what is missing.
pub struct RateLimitArg {
    pub keyword: kw::rate_limit,
    pub names: Vec<LitStr>,
    pub quotas: Vec<QuotaArg>,
    pub keys: Vec<KeyArg>,
}

/// `5 per minute` or `100 per 10 seconds`.
pub struct QuotaArg {
    pub count: LitInt,
    pub periods: Option<LitInt>,
    pub unit: Ident,
}

/// `key = client`, `key = subject` or `key = field("username")`.
pub struct KeyArg {
    pub kind: Ident,
    pub field: Option<LitStr>,
}

impl Parse for RateLimitArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let keyword = input.parse()?;
        let content;
        parenthesized!(content in input);
        let mut arg = Self {
            keyword,
            names: Vec::new(),
            quotas: Vec::new(),
            keys: Vec::new(),
        };
        while !content.is_empty() {
            let lookahead = content.lookahead1();
            if lookahead.peek(LitStr) {
                arg.names.push(content.parse()?);
            } else if lookahead.peek(LitInt) {
                let count = content.parse()?;
                content.parse::<kw::per>()?;
                let periods = if content.peek(LitInt) {
                    Some(content.parse()?)
                } else {
                    None
                };
                let unit = content.parse().map_err(|error| {
                    syn::Error::new(
                        error.span(),
                        "expected a period such as `minute`, `second`, `hour` or `day`",
                    )
                })?;
                arg.quotas.push(QuotaArg {
                    count,
                    periods,
                    unit,
                });
            } else if lookahead.peek(kw::key) {
                content.parse::<kw::key>()?;
                content.parse::<Token![=]>()?;
                let kind: Ident = content.parse()?;
                let field = if content.peek(syn::token::Paren) {
                    let inner;
                    parenthesized!(inner in content);
                    Some(inner.parse()?)
                } else {
                    None
                };
                arg.keys.push(KeyArg { kind, field });
            } else {
                return Err(lookahead.error());
            }
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        Ok(arg)
    }
}

/// A role or scope as written: a string, or a vocabulary variant path.
#[derive(Clone)]
pub enum Name {
    Lit(LitStr),
    Path(Path),
}

impl Parse for Name {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            Ok(Self::Lit(input.parse()?))
        } else if input.peek(syn::Ident) || input.peek(Token![::]) || input.peek(Token![crate]) {
            Ok(Self::Path(input.parse()?))
        } else {
            Err(input.error(
                "expected a string such as \"admin\", or a vocabulary variant such as `Role::Admin`",
            ))
        }
    }
}

/// One condition of `#[requires(..)]`.
pub enum Term {
    Role(Name),
    Scope(Name),
    Any(kw::any, Vec<Term>),
    All(kw::all, Vec<Term>),
}

impl Parse for Term {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::role) {
            input.parse::<kw::role>()?;
            input.parse::<Token![=]>()?;
            Ok(Self::Role(input.parse()?))
        } else if lookahead.peek(kw::scope) {
            input.parse::<kw::scope>()?;
            input.parse::<Token![=]>()?;
            Ok(Self::Scope(input.parse()?))
        } else if lookahead.peek(kw::any) {
            let key = input.parse()?;
            Ok(Self::Any(key, parse_group(input)?))
        } else if lookahead.peek(kw::all) {
            let key = input.parse()?;
            Ok(Self::All(key, parse_group(input)?))
        } else {
            Err(lookahead.error())
        }
    }
}

fn parse_group(input: ParseStream<'_>) -> syn::Result<Vec<Term>> {
    let content;
    parenthesized!(content in input);
    Ok(Punctuated::<Term, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect())
}

/// How a route's callers authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    Bearer,
    Basic,
    Session,
}

/// `scheme = bearer`, `scheme = basic` or `scheme = session`.
pub struct SchemeArg {
    pub key: kw::scheme,
    pub scheme: SchemeKind,
}

impl Parse for SchemeArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = input.parse()?;
        input.parse::<Token![=]>()?;
        let lookahead = input.lookahead1();
        let scheme = if lookahead.peek(kw::basic) {
            input.parse::<kw::basic>()?;
            SchemeKind::Basic
        } else if lookahead.peek(kw::bearer) {
            input.parse::<kw::bearer>()?;
            SchemeKind::Bearer
        } else if lookahead.peek(kw::session) {
            input.parse::<kw::session>()?;
            SchemeKind::Session
        } else {
            return Err(lookahead.error());
        };
        Ok(Self { key, scheme })
    }
}

/// `crate = "path"`: where the `portcullis` facade is reachable.
pub struct CrateArg {
    pub key: Token![crate],
    pub value: LitStr,
}

impl Parse for CrateArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = input.parse()?;
        input.parse::<Token![=]>()?;
        Ok(Self {
            key,
            value: input.parse()?,
        })
    }
}

/// Whether the input starts with `crate =` (and not a path such as `crate::roles::ADMIN`).
fn peek_crate(input: ParseStream<'_>) -> bool {
    input.peek(Token![crate]) && input.peek2(Token![=])
}

/// One argument of a list attribute: a name, or the scheme, crate or rate-limit option.
enum ListArg {
    Name(Name),
    Scheme(SchemeArg),
    Crate(CrateArg),
    RateLimit(RateLimitArg),
}

impl Parse for ListArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(kw::rate_limit) && input.peek2(syn::token::Paren) {
            Ok(Self::RateLimit(input.parse()?))
        } else if input.peek(kw::scheme) && input.peek2(Token![=]) {
            Ok(Self::Scheme(input.parse()?))
        } else if peek_crate(input) {
            Ok(Self::Crate(input.parse()?))
        } else {
            Ok(Self::Name(input.parse()?))
        }
    }
}

/// One argument of `#[requires(..)]`: a condition, or the scheme, crate or rate-limit option.
enum RequiresArg {
    Term(Term),
    Scheme(SchemeArg),
    Crate(CrateArg),
    RateLimit(RateLimitArg),
}

impl Parse for RequiresArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(kw::rate_limit) {
            Ok(Self::RateLimit(input.parse()?))
        } else if input.peek(kw::scheme) {
            Ok(Self::Scheme(input.parse()?))
        } else if peek_crate(input) {
            Ok(Self::Crate(input.parse()?))
        } else {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::role)
                || lookahead.peek(kw::scope)
                || lookahead.peek(kw::any)
                || lookahead.peek(kw::all)
                || lookahead.peek(kw::scheme)
                || lookahead.peek(kw::rate_limit)
                || lookahead.peek(Token![crate])
            {
                Ok(Self::Term(input.parse()?))
            } else {
                Err(lookahead.error())
            }
        }
    }
}

/// What the user wrote, with spans, before any check.
pub struct RawPolicy {
    pub kind: AttrKind,
    /// Names of the list attributes (`requires_role`, `…_any_role`, `…_scope`).
    pub names: Vec<Name>,
    /// Conditions of `requires`.
    pub terms: Vec<Term>,
    pub schemes: Vec<SchemeArg>,
    /// `crate = "…"` options (more than one is an error).
    pub roots: Vec<CrateArg>,
    /// `rate_limit(..)` options, in order.
    pub limits: Vec<RateLimitArg>,
    /// Where the attribute's arguments are, for "needs a role" errors.
    pub span: Span,
    /// Whether `public`/`authenticated` got positional arguments they don't take.
    pub stray: Option<TokenStream>,
}

/// Parses the arguments `args` of the attribute `kind` into the raw model.
pub fn parse_args(kind: AttrKind, args: TokenStream) -> syn::Result<RawPolicy> {
    let span = Span::call_site();
    let mut raw = RawPolicy {
        kind,
        names: Vec::new(),
        terms: Vec::new(),
        schemes: Vec::new(),
        roots: Vec::new(),
        limits: Vec::new(),
        span,
        stray: None,
    };
    match kind {
        AttrKind::Public | AttrKind::Authenticated => {
            let parser = |input: ParseStream<'_>| {
                loop {
                    if input.peek(kw::scheme) && kind == AttrKind::Authenticated {
                        raw.schemes.push(input.parse()?);
                    } else if input.peek(kw::rate_limit) && input.peek2(syn::token::Paren) {
                        raw.limits.push(input.parse()?);
                    } else if peek_crate(input) {
                        raw.roots.push(input.parse()?);
                    } else {
                        break;
                    }
                    if input.is_empty() {
                        break;
                    }
                    input.parse::<Token![,]>()?;
                }
                if !input.is_empty() {
                    raw.stray = Some(input.parse()?);
                }
                Ok(())
            };
            parser.parse2(args)?;
        }
        AttrKind::RequiresRole | AttrKind::RequiresAnyRole | AttrKind::RequiresScope => {
            for arg in Punctuated::<ListArg, Token![,]>::parse_terminated.parse2(args)? {
                match arg {
                    ListArg::Name(name) => raw.names.push(name),
                    ListArg::Scheme(scheme) => raw.schemes.push(scheme),
                    ListArg::Crate(root) => raw.roots.push(root),
                    ListArg::RateLimit(limit) => raw.limits.push(limit),
                }
            }
        }
        AttrKind::Requires => {
            for arg in Punctuated::<RequiresArg, Token![,]>::parse_terminated.parse2(args)? {
                match arg {
                    RequiresArg::Term(term) => raw.terms.push(term),
                    RequiresArg::Scheme(scheme) => raw.schemes.push(scheme),
                    RequiresArg::Crate(root) => raw.roots.push(root),
                    RequiresArg::RateLimit(limit) => raw.limits.push(limit),
                }
            }
        }
    }
    Ok(raw)
}
