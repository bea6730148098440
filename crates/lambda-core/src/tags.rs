//! Tags as the objects that carry them hold them.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;

/// A stored object that carries its own tags.
pub trait Tagged: Serialize + DeserializeOwned {
    fn tags(&self) -> &Tags;
    fn tags_mut(&mut self) -> &mut Tags;
}
