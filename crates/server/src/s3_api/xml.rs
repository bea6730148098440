//! Writing S3's XML answers: elements with escaped text.

use quick_xml::escape::escape;
use std::collections::BTreeMap;

pub const NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// An XML document under construction.
pub struct Xml(String);

impl Xml {
    /// A document whose root element carries S3's namespace.
    pub fn document(root: &str) -> Self {
        Self(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{NAMESPACE}\">"
        ))
    }

    /// A document whose root element has no namespace (errors).
    pub fn bare(root: &str) -> Self {
        Self(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}>"
        ))
    }

    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.0.push('<');
        self.0.push_str(tag);
        self.0.push('>');
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
        self
    }

    pub fn leaf(&mut self, tag: &str, text: impl AsRef<str>) -> &mut Self {
        self.open(tag);
        self.0.push_str(&escape(text.as_ref()));
        self.close(tag)
    }

    pub fn finish(mut self, root: &str) -> String {
        self.close(root);
        self.0
    }
}

/// The text of the first `tag` element in `body`, if any (e.g. a
/// CreateBucketConfiguration's `LocationConstraint`).
pub fn first_text(body: &[u8], tag: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut inside = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == tag => inside = true,
            Event::Text(t) if inside => {
                return quick_xml::escape::unescape(t.as_ref())
                    .ok()
                    .map(|c| c.trim().to_string())
            }
            Event::End(_) if inside => return Some(String::new()),
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

/// The children's texts of every `record` element in `body` (e.g. each
/// `Part` of a CompleteMultipartUpload, each `Object` of a DeleteObjects),
/// or `None` if the document is not well-formed.
pub fn records(body: &[u8], record: &str) -> Option<Vec<BTreeMap<String, String>>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut out = Vec::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    let mut field: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if name == record {
                    current = Some(BTreeMap::new());
                } else if current.is_some() {
                    field = Some(name);
                }
            }
            Event::Text(t) => {
                if let (Some(fields), Some(name)) = (current.as_mut(), field.as_ref()) {
                    let text = quick_xml::escape::unescape(t.as_ref()).ok()?;
                    fields.entry(name.clone()).or_default().push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                // Entities (`&amp;`, `&#34;`) inside a field's text.
                if let (Some(fields), Some(name)) = (current.as_mut(), field.as_ref()) {
                    let entity = format!("&{};", AsRef::<str>::as_ref(&r));
                    let text = quick_xml::escape::unescape(&entity).ok()?;
                    fields.entry(name.clone()).or_default().push_str(&text);
                }
            }
            Event::End(e) => {
                if e.local_name().as_ref() == record {
                    out.extend(current.take());
                }
                field = None;
            }
            Event::Eof => return Some(out),
            _ => {}
        }
        buf.clear();
    }
}

/// One element of a parsed document: its local name, its text and its
/// child elements.
#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child of this name.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string())
    }
}

/// The root element of `body`, or `None` if it is not well-formed.
pub fn parse(body: &[u8]) -> Option<Element> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut stack: Vec<Element> = Vec::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => stack.push(Element {
                name: e.local_name().into_inner().to_string(),
                ..Element::default()
            }),
            Event::Empty(e) => {
                let element = Element {
                    name: e.local_name().into_inner().to_string(),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Some(element),
                }
            }
            Event::Text(t) => {
                if let Some(current) = stack.last_mut() {
                    current
                        .text
                        .push_str(&quick_xml::escape::unescape(t.as_ref()).ok()?);
                }
            }
            Event::CData(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(current) = stack.last_mut() {
                    let entity = format!("&{};", AsRef::<str>::as_ref(&r));
                    current
                        .text
                        .push_str(&quick_xml::escape::unescape(&entity).ok()?);
                }
            }
            Event::End(_) => {
                let done = stack.pop()?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Some(done),
                }
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text() {
        let mut xml = Xml::bare("Error");
        xml.leaf("Key", "a<b&c");
        assert!(xml
            .finish("Error")
            .ends_with("<Error><Key>a&lt;b&amp;c</Key></Error>"));
    }

    #[test]
    fn reads_the_location_constraint() {
        let body = br#"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"#;
        assert_eq!(
            first_text(body, "LocationConstraint").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(first_text(b"", "LocationConstraint"), None);
    }

    #[test]
    fn reads_records() {
        let body = br#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>&quot;abc&quot;</ETag><PartNumber>1</PartNumber></Part><Part><PartNumber>2</PartNumber><ETag>"def"</ETag></Part></CompleteMultipartUpload>"#;
        let parts = records(body, "Part").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0]["ETag"], "\"abc\"");
        assert_eq!(parts[0]["PartNumber"], "1");
        assert_eq!(parts[1]["ETag"], "\"def\"");
        let objects = records(
            b"<Delete><Object><Key>a&amp;b</Key></Object><Quiet>true</Quiet></Delete>",
            "Object",
        )
        .unwrap();
        assert_eq!(objects[0]["Key"], "a&b");
    }
}
