//! Emails from a file or standard input (`--from FILE`, `--from -`): one per line, blank lines
//! and `#` comments ignored, so a list kept by hand or exported from elsewhere works as is.

use super::Usage;
use std::io::Read;
use std::path::Path;

/// The emails a list holds, in order. A UTF-8 BOM and CRLF line ends are accepted.
pub fn parse(text: &str) -> Vec<String> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Reads the list `--from` names; `-` is standard input.
pub fn read(from: &Path) -> anyhow::Result<Vec<String>> {
    let mut text = String::new();
    if from == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Usage::error(format!("reading the emails from standard input: {e}")))?;
    } else {
        text = std::fs::read_to_string(from).map_err(|e| {
            Usage::error(format!(
                "can't read the list of emails {}: {e}",
                from.display()
            ))
        })?;
    }
    Ok(parse(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_comments_bom_and_crlf_are_skipped() {
        let text =
            "\u{feff}# offboarding, team B\r\nann@acme.io\r\n\r\n  bo@acme.io  \n#bo2@acme.io\n";
        assert_eq!(parse(text), ["ann@acme.io", "bo@acme.io"]);
    }

    #[test]
    fn an_unreadable_file_is_a_usage_error_naming_it() {
        let e = read(Path::new("/no/such/list.txt")).unwrap_err();
        assert!(e.downcast_ref::<Usage>().is_some());
        assert!(e.to_string().contains("/no/such/list.txt"), "{e}");
    }
}
