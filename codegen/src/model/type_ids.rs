//! How the model refers to a service's types: by [`TypeId`], a place in the service's table of
//! type names ([`TypeNames`], one name per definition stage 2 resolved). A name is looked up
//! only where code or a listing shows it ([`crate::model::Service::type_name`]).

/// One of a service's types: its place in the service's [`TypeNames`]. Meaningful only with
/// the service it came from (two generations' ids of the same type may differ: compare names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(u32);

/// A service's type names, each at its [`TypeId`]: sorted and unique, as the resolved
/// definitions are.
#[derive(Debug, Default)]
pub struct TypeNames {
    names: Vec<String>,
}

impl TypeNames {
    /// The table of `names` (sorted here; a name given twice has one id).
    pub fn new(names: impl IntoIterator<Item = String>) -> Self {
        let mut names: Vec<String> = names.into_iter().collect();
        names.sort_unstable();
        names.dedup();
        assert!(
            u32::try_from(names.len()).is_ok(),
            "more types than a TypeId counts"
        );
        TypeNames { names }
    }

    /// The id of the type called `name`, if the service has one.
    pub fn id(&self, name: &str) -> Option<TypeId> {
        let index = self.names.binary_search_by(|n| n.as_str().cmp(name)).ok()?;
        Some(TypeId(u32::try_from(index).expect("checked in new")))
    }

    /// The name of type `id`, which must be one of this table's.
    pub fn name(&self, id: TypeId) -> &str {
        &self.names[id.0 as usize]
    }

    /// How many types there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_their_types_and_names_find_their_ids() {
        let names = TypeNames::new(["Task", "Artifact", "TaskList", "Task"].map(String::from));
        assert_eq!(names.len(), 3);
        assert!(!names.is_empty());
        let task = names.id("Task").expect("Task is a type");
        let artifact = names.id("Artifact").expect("Artifact is a type");
        assert_ne!(task, artifact);
        assert_eq!(names.name(task), "Task");
        assert_eq!(names.name(artifact), "Artifact");
        assert_eq!(names.name(names.id("TaskList").unwrap()), "TaskList");
        // Ids follow the names' order, whatever order they came in.
        assert!(artifact < task);
        assert_eq!(names.id("Tasks"), None);
        assert_eq!(names.id(""), None);
        assert!(TypeNames::default().is_empty());
    }

    #[test]
    #[should_panic]
    fn an_id_of_another_table_is_a_bug_not_a_name() {
        let big = TypeNames::new(["A", "B", "C"].map(String::from));
        let small = TypeNames::new(["A".to_owned()]);
        let _ = small.name(big.id("C").unwrap());
    }
}
