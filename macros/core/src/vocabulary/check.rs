//! Checks names, implications and the hierarchy's acyclicity.

use syn::Ident;

use super::Kind;
use super::parse::RawVariant;
use crate::diagnostics::Errors;

/// A variant with its final name and the indices of the variants it implies.
#[derive(Debug)]
pub struct Variant {
    pub ident: Ident,
    pub name: String,
    pub implies: Vec<usize>,
}

/// Checks the variants `raw`: names, implications, no cycle.
pub fn check(kind: Kind, raw: &[RawVariant]) -> syn::Result<Vec<Variant>> {
    let mut errors = Errors::default();
    let mut variants: Vec<Variant> = Vec::new();
    for variant in raw {
        if let Some(fields) = &variant.fields {
            errors.spanned(
                fields,
                format!(
                    "`{}` variants carry no data; write `{}`",
                    kind.derive_name(),
                    variant.ident
                ),
            );
        }
        let name = match &variant.name {
            Some(lit) => {
                let value = lit.value();
                if value.trim().is_empty() || value.chars().any(char::is_whitespace) {
                    errors.spanned(
                        lit,
                        "a name is one word without spaces, such as \"items:read\"",
                    );
                }
                value
            }
            None => snake_case(&variant.ident.to_string()),
        };
        if let Some(previous) = variants.iter().find(|other| other.name == name) {
            let at = variant.name.as_ref().map_or_else(
                || quote::ToTokens::to_token_stream(&variant.ident),
                quote::ToTokens::to_token_stream,
            );
            errors.spanned(
                at,
                format!(
                    "the name {name:?} is already used by `{}`; give this variant another name",
                    previous.ident
                ),
            );
        }
        if kind == Kind::Scopes
            && let Some(key) = &variant.implies_key
        {
            errors.spanned(
                key,
                "scopes do not imply one another; `implies` belongs on `#[derive(Roles)]`",
            );
        }
        variants.push(Variant {
            ident: variant.ident.clone(),
            name,
            implies: Vec::new(),
        });
    }
    for (index, variant) in raw.iter().enumerate() {
        for target in &variant.implies {
            match raw.iter().position(|other| other.ident == *target) {
                Some(found) if variants[index].implies.contains(&found) => {
                    errors.spanned(target, format!("`{target}` is implied twice; remove one"));
                }
                Some(found) => variants[index].implies.push(found),
                None => errors.spanned(
                    target,
                    format!(
                        "no role `{target}` in this enum; implied roles must be variants of it"
                    ),
                ),
            }
        }
    }
    if let Some(cycle) = find_cycle(&variants) {
        let path: Vec<String> = cycle
            .iter()
            .map(|&i| variants[i].ident.to_string())
            .collect();
        let first = cycle[0];
        let target = &raw[first]
            .implies
            .iter()
            .find(|ident| **ident == variants[cycle[1]].ident);
        let message = format!(
            "the role hierarchy has a cycle: {}; remove one of these implications",
            path.join(" -> ")
        );
        match target {
            Some(ident) => errors.spanned(ident, message),
            None => errors.spanned(&raw[first].ident, message),
        }
    }
    errors.finish(variants)
}

/// A cycle as variant indices, first index repeated at the end.
fn find_cycle(variants: &[Variant]) -> Option<Vec<usize>> {
    fn visit(
        node: usize,
        variants: &[Variant],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        match state[node] {
            2 => return None,
            1 => {
                let start = path.iter().position(|&n| n == node).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(node);
                return Some(cycle);
            }
            _ => {}
        }
        state[node] = 1;
        path.push(node);
        for &next in &variants[node].implies {
            if let Some(cycle) = visit(next, variants, state, path) {
                return Some(cycle);
            }
        }
        path.pop();
        state[node] = 2;
        None
    }
    let mut state = vec![0_u8; variants.len()];
    (0..variants.len()).find_map(|root| visit(root, variants, &mut state, &mut Vec::new()))
}

/// `ItemsRead` → `items_read`.
fn snake_case(ident: &str) -> String {
    let mut out = String::new();
    for (index, ch) in ident.chars().enumerate() {
        if ch.is_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}
