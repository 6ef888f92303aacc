//! What the derive can tell about a field's type from its syntax alone.

use syn::{GenericArgument, PathArguments, Type};

/// The kind of a type, as far as its spelling shows.
#[derive(Clone)]
pub enum Shape {
    /// `String`, `str`, `Cow<str>`, `Box<str>`, …
    Text,
    /// A primitive integer or float.
    Number,
    /// `bool`.
    Bool,
    /// `Option<T>`, with `T`.
    Option(Type),
    /// A list or set with its item type; maps have no item type.
    List(Option<Type>),
    /// Anything else: a user type, an alias. The compiler checks it.
    Other,
}

impl Shape {
    /// The shape of `ty`.
    pub fn of(ty: &Type) -> Self {
        match ty {
            Type::Reference(reference) => Self::of(&reference.elem),
            Type::Paren(paren) => Self::of(&paren.elem),
            Type::Group(group) => Self::of(&group.elem),
            Type::Slice(slice) => Self::List(Some((*slice.elem).clone())),
            Type::Array(array) => Self::List(Some((*array.elem).clone())),
            Type::Path(path) if path.qself.is_none() => {
                let Some(last) = path.path.segments.last() else {
                    return Self::Other;
                };
                let first_arg = first_type_argument(&last.arguments);
                match last.ident.to_string().as_str() {
                    "String" | "str" => Self::Text,
                    "Cow" | "Box" | "Arc" | "Rc" if first_arg.is_some_and(is_str) => Self::Text,
                    "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32"
                    | "u64" | "u128" | "usize" | "f32" | "f64" => Self::Number,
                    "bool" => Self::Bool,
                    "Option" => first_arg.map_or(Self::Other, |inner| Self::Option(inner.clone())),
                    "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "LinkedList" => {
                        Self::List(first_arg.cloned())
                    }
                    "HashMap" | "BTreeMap" => Self::List(None),
                    _ => Self::Other,
                }
            }
            _ => Self::Other,
        }
    }

    /// How the type reads in a message, such as "a number".
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "a number",
            Self::Bool => "a `bool`",
            Self::Option(_) => "an `Option`",
            Self::List(_) => "a collection",
            Self::Other => "a type",
        }
    }
}

fn first_type_argument(arguments: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(arguments) = arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

fn is_str(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("str"))
}
