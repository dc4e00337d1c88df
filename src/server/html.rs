//! HTML escaping and the tiny `{{name}}` template filling used by the emails and the accept
//! page. Every value goes through `escape` before it lands in HTML.

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Replaces each `{{key}}` of `template` with its value passed through `encode`. Values are
/// inserted in one pass, so a value containing `{{…}}` is never expanded again.
pub fn fill(template: &str, values: &[(&str, String)], encode: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let key = after[..end].trim();
                match values.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(&encode(v)),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn fills_once_and_escapes_values() {
        let values = [("name", "<b>{{name}}</b>".to_string())];
        assert_eq!(
            fill("Hi {{ name }}! {{unknown}}", &values, escape),
            "Hi &lt;b&gt;{{name}}&lt;/b&gt;! {{unknown}}"
        );
    }
}
