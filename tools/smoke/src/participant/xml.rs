//! A tiny element tree over quick-xml: BOSH bodies and the XMPP stanzas in them are small, and the
//! checks only look up elements by local name and attributes by name.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    /// The local name (`stream:features` is `features`).
    pub name: String,
    /// As written (`xmlns`, `xmlns:stream`, `xml:lang`), values unescaped.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The first descendant (or self) with this name, depth first.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// Every descendant (or self) with this name, in document order.
    pub fn find_all<'a>(&'a self, name: &str) -> Vec<&'a Element> {
        let mut found = Vec::new();
        self.collect(name, &mut found);
        found
    }

    fn collect<'a>(&'a self, name: &str, found: &mut Vec<&'a Element>) {
        if self.name == name {
            found.push(self);
        }
        for child in &self.children {
            child.collect(name, found);
        }
    }

    /// The element's own namespace declaration, if it carries one.
    pub fn xmlns(&self) -> Option<&str> {
        self.attr("xmlns")
    }

    /// The element again as XML (for messages: what the server actually said).
    pub fn to_xml(&self) -> String {
        let mut out = format!("<{}", self.name);
        for (name, value) in &self.attrs {
            out.push_str(&format!(" {name}='{}'", escape(value)));
        }
        if self.children.is_empty() && self.text.is_empty() {
            out.push_str("/>");
            return out;
        }
        out.push('>');
        out.push_str(&escape(&self.text));
        for child in &self.children {
            out.push_str(&child.to_xml());
        }
        out.push_str(&format!("</{}>", self.name));
        out
    }
}

/// Text or an attribute value made safe for XML (both quote kinds escaped).
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The one root element of a document.
pub fn parse(text: &str) -> Result<Element, String> {
    // Text is kept whole (an entity splits it into several events) and trimmed when its element
    // ends: the whitespace between stanzas is not content.
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let bad = |e: &dyn std::fmt::Display| format!("not well-formed XML: {e}");
    loop {
        match reader.read_event().map_err(|e| bad(&e))? {
            Event::Start(start) => stack.push(element(&start)?),
            Event::Empty(start) => {
                let done = element(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::End(_) => {
                let mut done = stack.pop().ok_or_else(|| bad(&"an end tag without a start"))?;
                done.text = done.text.trim().to_string();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&text.xml_content().map_err(|e| bad(&e))?);
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&data.decode().map_err(|e| bad(&e))?);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| bad(&e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference.decode().map_err(|e| bad(&e))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| bad(&format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&resolved);
                }
            }
            Event::Eof => return Err(bad(&"the document ended early")),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

fn element(start: &BytesStart) -> Result<Element, String> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("bad attribute in <{name}>: {e}"))?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|e| format!("bad attribute {key} in <{name}>: {e}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_bosh_body_with_prefixed_features() {
        let body = parse(
            "<body xmlns='http://jabber.org/protocol/httpbind' sid='abc' xmlns:stream='http://etherx.jabber.org/streams'>\
             <stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
             <mechanism>ANONYMOUS</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features></body>",
        )
        .unwrap();
        assert_eq!(body.attr("sid"), Some("abc"));
        let features = body.child("features").unwrap();
        let mechanisms: Vec<&str> = features.find_all("mechanism").iter().map(|m| m.text.as_str()).collect();
        assert_eq!(mechanisms, ["ANONYMOUS", "PLAIN"]);
        assert_eq!(
            features.child("mechanisms").unwrap().xmlns(),
            Some("urn:ietf:params:xml:ns:xmpp-sasl")
        );
    }

    #[test]
    fn unescapes_text_and_attributes() {
        let e = parse("<nick a='x &amp; &apos;y&apos;'>Tom &lt;3 &#x41;</nick>").unwrap();
        assert_eq!(e.attr("a"), Some("x & 'y'"));
        assert_eq!(e.text, "Tom <3 A");
        assert_eq!(e.to_xml(), "<nick a='x &amp; &apos;y&apos;'>Tom &lt;3 A</nick>");
    }

    #[test]
    fn rejects_broken_documents() {
        assert!(parse("<body><iq></body>").is_err());
        assert!(parse("<body>").is_err());
        assert!(parse("<html>Bad Gateway").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn escapes_both_quotes() {
        assert_eq!(escape("a'b\"c<&"), "a&apos;b&quot;c&lt;&amp;");
    }
}
