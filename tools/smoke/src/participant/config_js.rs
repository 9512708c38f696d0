//! `config.js` as docker-jitsi-meet serves it: assignment statements (web/rootfs/defaults/
//! system-config.js), some values concatenated from variables that nginx's SSI fills in, e.g.
//!
//! ```js
//! var subdir = '';                       // '<!--# echo var="subdir" default="" -->' before SSI
//! config.hosts.muc = 'muc.' + subdomain + 'meet.jitsi';
//! config.bosh = '/' + subdir + 'http-bind';
//! config.websocket = 'wss://localhost:8443/' + subdir + 'xmpp-websocket';   // without PUBLIC_URL
//! ```
//!
//! It is read as a browser would run its straight-line part: string literals, variables assigned
//! earlier, `+`. Anything else (calls, conditions) is skipped, which for a page served at the root
//! (empty `subdir` and `subdomain`) gives the values the browser ends up with.

use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct JitsiConfig {
    pub domain: Option<String>,
    /// Where clients without a token log in, when the deployment has token authentication with
    /// guests (docker-jitsi-meet ENABLE_AUTH + ENABLE_GUESTS).
    pub anonymous_domain: Option<String>,
    pub muc: Option<String>,
    pub focus: Option<String>,
    pub bosh: Option<String>,
    pub websocket: Option<String>,
}

impl JitsiConfig {
    /// Where the conference request goes: `config.hosts.focus`, else `focus.<domain>`
    /// (lib-jitsi-meet modules/xmpp/moderator.ts, the Moderator constructor).
    pub fn focus_jid(&self) -> Option<String> {
        self.focus
            .clone()
            .or_else(|| self.domain.as_ref().map(|d| format!("focus.{d}")))
    }
}

pub fn parse(text: &str) -> JitsiConfig {
    let values = evaluate(&tokens(text));
    let get = |name: &str| values.get(name).cloned();
    JitsiConfig {
        domain: get("config.hosts.domain"),
        anonymous_domain: get("config.hosts.anonymousdomain"),
        muc: get("config.hosts.muc"),
        focus: get("config.hosts.focus"),
        bosh: get("config.bosh"),
        websocket: get("config.websocket"),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    /// A name or a dotted path (`config.hosts.domain`); numbers too.
    Name(String),
    Punct(char),
}

fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if matches!(c, '\'' | '"' | '`') {
            let (literal, next) = string_literal(&chars, i);
            // A template literal with a substitution is not a constant: leave it unreadable.
            out.push(match literal {
                Some(s) if !(c == '`' && s.contains("${")) => Token::Str(s),
                _ => Token::Punct('?'),
            });
            i = next;
        } else if c.is_alphanumeric() || matches!(c, '_' | '$') {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '.')) {
                i += 1;
            }
            out.push(Token::Name(chars[start..i].iter().collect()));
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// The literal starting at `start` (a quote) and the index after it.
fn string_literal(chars: &[char], start: usize) -> (Option<String>, usize) {
    let quote = chars[start];
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            c if c == quote => return (Some(value), i + 1),
            '\\' => {
                match chars.get(i + 1) {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some(&other) => value.push(other),
                    None => {}
                }
                i += 2;
            }
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    (None, i)
}

/// Runs the straight-line assignments: `[var|let|const] name = term (+ term)* ;`.
fn evaluate(tokens: &[Token]) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        let Token::Name(name) = &tokens[i] else {
            i += 1;
            continue;
        };
        let is_assignment = tokens.get(i + 1) == Some(&Token::Punct('='))
            && tokens.get(i + 2) != Some(&Token::Punct('='))
            && !matches!(name.as_str(), "var" | "let" | "const");
        if !is_assignment {
            i += 1;
            continue;
        }
        let (value, next) = expression(tokens, i + 2, &values);
        if let Some(value) = value {
            values.insert(name.clone(), value);
        }
        i = next.max(i + 1);
    }
    values
}

/// The value of `term (+ term)*` at `start` if it is that and nothing more, and where it ends.
fn expression(tokens: &[Token], start: usize, values: &HashMap<String, String>) -> (Option<String>, usize) {
    let mut value = String::new();
    let mut i = start;
    loop {
        match tokens.get(i) {
            Some(Token::Str(s)) => value.push_str(&unprocessed_ssi_as_default(s)),
            Some(Token::Name(name)) => match values.get(name) {
                Some(v) => value.push_str(v),
                None => return (None, i + 1),
            },
            _ => return (None, i + 1),
        }
        i += 1;
        match tokens.get(i) {
            Some(Token::Punct('+')) => i += 1,
            None | Some(Token::Punct(';' | '}')) | Some(Token::Name(_)) => return (Some(value), i),
            Some(_) => return (None, i),
        }
    }
}

/// A literal still holding nginx's SSI directive (`<!--# echo var="subdir" default="" -->`) was
/// served without SSI; the template itself falls back to '' then (system-config.js:
/// `if (subdir.startsWith('<!--')) subdir = '';`).
fn unprocessed_ssi_as_default(literal: &str) -> String {
    if literal.trim_start().starts_with("<!--#") {
        String::new()
    } else {
        literal.to_string()
    }
}

#[cfg(test)]
#[path = "config_js_tests.rs"]
mod tests;
