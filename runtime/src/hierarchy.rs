//! Role hierarchies: "admin implies user", configured once, checked cheaply.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::vocabulary::RoleVocabulary;

/// A role hierarchy, stored as its transitive closure so a check is one lookup.
///
/// ```
/// use portcullis::RoleHierarchy;
///
/// let hierarchy = RoleHierarchy::builder()
///     .role("admin", ["user"])
///     .role("user", ["guest"])
///     .build()
///     .unwrap();
/// assert!(hierarchy.grants(&["admin".to_owned()], "guest"));
/// assert!(!hierarchy.grants(&["guest".to_owned()], "user"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct RoleHierarchy {
    implied: HashMap<String, Box<[String]>>,
}

/// Why a role hierarchy was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HierarchyError {
    /// A role implies itself through a chain of other roles.
    Cycle(Vec<String>),
    /// A role name is empty or has white space in it.
    InvalidRole(String),
}

impl fmt::Display for HierarchyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cycle(path) => write!(
                f,
                "the role hierarchy has a cycle ({}); remove one of these implications",
                path.join(" -> ")
            ),
            Self::InvalidRole(role) => write!(
                f,
                "role {role:?} is empty or contains white space; use a single word such as \"admin\""
            ),
        }
    }
}

impl std::error::Error for HierarchyError {}

/// Collects `role -> implied roles` edges; see [`RoleHierarchy::builder`].
#[derive(Debug, Default)]
#[must_use]
pub struct RoleHierarchyBuilder {
    edges: Vec<(String, Vec<String>)>,
}

impl RoleHierarchyBuilder {
    /// Declares that holding `role` also grants every role in `implies`.
    pub fn role<I>(mut self, role: impl Into<String>, implies: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.edges
            .push((role.into(), implies.into_iter().map(Into::into).collect()));
        self
    }

    /// Checks the hierarchy and computes its closure; a cycle is refused.
    pub fn build(self) -> Result<RoleHierarchy, HierarchyError> {
        let mut graph: HashMap<&str, Vec<&str>> = HashMap::new();
        for (role, implies) in &self.edges {
            for name in std::iter::once(role).chain(implies) {
                if name.is_empty() || name.chars().any(char::is_whitespace) {
                    return Err(HierarchyError::InvalidRole(name.clone()));
                }
            }
            graph
                .entry(role.as_str())
                .or_default()
                .extend(implies.iter().map(String::as_str));
        }
        if let Some(cycle) = find_cycle(&graph) {
            return Err(HierarchyError::Cycle(cycle));
        }
        let implied = graph
            .keys()
            .map(|role| {
                let mut seen = HashSet::new();
                let mut stack = graph[role].clone();
                while let Some(next) = stack.pop() {
                    if seen.insert(next) {
                        stack.extend(graph.get(next).into_iter().flatten());
                    }
                }
                let mut closure: Vec<String> = seen.into_iter().map(str::to_owned).collect();
                closure.sort();
                ((*role).to_owned(), closure.into_boxed_slice())
            })
            .collect();
        Ok(RoleHierarchy { implied })
    }
}

/// Depth-first search for a back edge; returns the cycle's path when found.
fn find_cycle<'a>(graph: &HashMap<&'a str, Vec<&'a str>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit<'a>(
        node: &'a str,
        graph: &HashMap<&'a str, Vec<&'a str>>,
        marks: &mut HashMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| *n == node).unwrap_or(0);
                let mut cycle: Vec<String> =
                    path[start..].iter().map(|n| (*n).to_owned()).collect();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node, Mark::Open);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node, Mark::Done);
        None
    }
    let mut marks = HashMap::new();
    let mut roots: Vec<&str> = graph.keys().copied().collect();
    roots.sort_unstable();
    roots
        .into_iter()
        .find_map(|root| visit(root, graph, &mut marks, &mut Vec::new()))
}

impl RoleHierarchy {
    /// Starts a hierarchy; roles not mentioned imply nothing.
    pub fn builder() -> RoleHierarchyBuilder {
        RoleHierarchyBuilder::default()
    }

    /// The hierarchy declared on a `#[derive(Roles)]` vocabulary.
    ///
    /// The derive already refused cycles at compile time, so this cannot fail.
    pub fn from_vocabulary<V: RoleVocabulary>() -> Self {
        Self::try_from_vocabulary::<V>().unwrap_or_else(|error| {
            tracing::error!(target: "portcullis::config", %error, "role vocabulary hierarchy refused; no role implies another");
            Self::default()
        })
    }

    /// As [`RoleHierarchy::from_vocabulary`], reporting a hierarchy that a
    /// hand-written vocabulary got wrong instead of logging it.
    pub fn try_from_vocabulary<V: RoleVocabulary>() -> Result<Self, HierarchyError> {
        V::IMPLIES
            .iter()
            .fold(Self::builder(), |builder, (role, implies)| {
                builder.role(*role, implies.iter().copied())
            })
            .build()
    }

    /// Whether holding `held` grants `needed`, directly or by implication.
    pub fn grants(&self, held: &[String], needed: &str) -> bool {
        held.iter().any(|role| {
            role == needed
                || self
                    .implied
                    .get(role.as_str())
                    .is_some_and(|implied| implied.iter().any(|r| r == needed))
        })
    }

    /// Every role `role` implies, itself excluded.
    pub fn implied_by(&self, role: &str) -> &[String] {
        self.implied.get(role).map_or(&[], |roles| roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_is_refused_with_its_path() {
        let error = RoleHierarchy::builder()
            .role("a", ["b"])
            .role("b", ["c"])
            .role("c", ["a"])
            .build()
            .unwrap_err();
        let HierarchyError::Cycle(path) = error else {
            panic!("expected a cycle")
        };
        assert_eq!(path.first(), path.last());
        assert_eq!(path.len(), 4);
    }

    #[test]
    fn self_implication_is_a_cycle() {
        assert!(matches!(
            RoleHierarchy::builder().role("a", ["a"]).build(),
            Err(HierarchyError::Cycle(_))
        ));
    }

    #[test]
    fn closure_is_transitive_and_directed() {
        let h = RoleHierarchy::builder()
            .role("admin", ["user"])
            .role("user", ["guest"])
            .build()
            .unwrap();
        assert_eq!(
            h.implied_by("admin"),
            ["guest".to_owned(), "user".to_owned()]
        );
        assert!(h.grants(&["user".into()], "guest"));
        assert!(!h.grants(&["user".into()], "admin"));
        assert!(!h.grants(&[], "guest"));
    }

    #[test]
    fn blank_role_is_refused() {
        assert!(matches!(
            RoleHierarchy::builder().role("admin", ["ad min"]).build(),
            Err(HierarchyError::InvalidRole(_))
        ));
    }
}
