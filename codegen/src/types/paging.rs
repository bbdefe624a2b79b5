//! Which methods are paginated, from their schemas: a method that takes a `continuationToken`
//! query parameter and answers with an object holding an optional `continuationToken` string and
//! exactly one array (the items) is streamed; any other is not, and the generator says why.

use crate::model::{Method, Service};
use crate::types::typedefs::{Kind, Presence, Ty, TypeDef};

/// How to take one page apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// The page's field holding the items.
    pub items_field: String,
    /// Whether that field is an `Option` (the schema does not require it).
    pub items_optional: bool,
    /// The items' type.
    pub item: Ty,
    /// The page's field holding the continuation token.
    pub token_field: String,
    /// Whether that field is an `Option`.
    pub token_optional: bool,
}

/// Paging for `method` of `service`, whose types are `defs`, or why there is none (`Err`), or
/// `Ok(None)` when the method takes no continuation token at all.
pub fn paging(
    service: &Service,
    method: &Method,
    defs: &[TypeDef],
) -> Result<Option<Paging>, String> {
    if method.stream_function.is_none() {
        return Ok(None);
    }
    let output = method
        .output
        .map(|t| service.type_name(t))
        .ok_or("takes a continuationToken but has no output")?;
    let def = defs
        .iter()
        .find(|d| d.name == output)
        .ok_or("its output has no type")?;
    let Kind::Struct(page) = &def.kind else {
        return Err(format!("its output {output} is not an object"));
    };
    let token = page
        .fields
        .iter()
        .find(|f| f.json == "continuationToken" && f.ty == Ty::String)
        .ok_or_else(|| format!("its output {output} has no continuationToken string"))?;
    let arrays: Vec<_> = page
        .fields
        .iter()
        .filter(|f| matches!(f.ty, Ty::Vec(_)))
        .collect();
    let [items] = arrays.as_slice() else {
        let names: Vec<&str> = arrays.iter().map(|f| f.json.as_str()).collect();
        return Err(format!(
            "its output {output} has {} arrays ({}), not one",
            arrays.len(),
            names.join(", ")
        ));
    };
    let Ty::Vec(item) = &items.ty else {
        unreachable!("filtered on Vec");
    };
    Ok(Some(Paging {
        items_field: items.ident.clone(),
        items_optional: !matches!(items.presence, Presence::Required),
        item: (**item).clone(),
        token_field: token.ident.clone(),
        token_optional: !matches!(token.presence, Presence::Required),
    }))
}
