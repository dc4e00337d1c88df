//! The CSV shape of users, for `users --csv` and `invite --csv`: one header row, RFC 4180
//! quoting (the `csv` crate), UTF-8. Lists inside a cell (roles, teams) are separated by `;`.
//! The import reads the export's first six columns where they apply, so an export can be
//! imported into another workspace as it is.
//!
//! Spreadsheets run a cell that starts with `= + - @`, TAB or CR as a formula (OWASP "CSV
//! Injection"), after trimming leading spaces: such a cell is written with a leading `'`, and
//! the import removes exactly that `'` again (see `escape_formula`).

use super::Usage;
use crate::domain::{TeamId, User};
use std::borrow::Cow;
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;

/// The export's columns, in order.
pub const EXPORT_COLUMNS: [&str; 9] = [
    "email",
    "full_name",
    "display_name",
    "roles",
    "teams",
    "status",
    "beta",
    "last_sign_in",
    "created",
];

/// The columns an import reads; the others of the export are accepted and ignored.
pub const IMPORT_COLUMNS: [&str; 6] = [
    "email",
    "full_name",
    "display_name",
    "roles",
    "teams",
    "send_invite",
];

/// Whether a spreadsheet would read `cell` as a formula: its first character after the
/// whitespace a reader trims (spaces, no-break spaces, line feeds; not TAB or CR, which
/// trigger themselves) is one of `= + - @`, TAB or CR. A cell that is `'` followed by such a
/// cell counts too, so that escaping is reversible for every text (`'=x` exports as `''=x`).
fn reads_as_formula(cell: &str) -> bool {
    let rest = cell.trim_start_matches(|c: char| c.is_whitespace() && c != '\t' && c != '\r');
    match rest.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => true,
        Some('\'') if rest.len() == cell.len() => reads_as_formula(&cell[1..]),
        _ => false,
    }
}

/// A cell as written to a CSV file: with a leading `'` where a spreadsheet would run it.
pub fn escape_formula(cell: &str) -> Cow<'_, str> {
    if reads_as_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell as read from a CSV file: `escape_formula`'s `'` removed, and nothing else.
pub fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if reads_as_formula(rest) => rest,
        _ => cell,
    }
}

/// One user as an export row, each cell escaped for spreadsheets.
pub fn export_row(user: &User, team_names: &HashMap<TeamId, String>) -> [String; 9] {
    let when = |t: Option<time::OffsetDateTime>| {
        t.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
    };
    let mut teams: Vec<&str> = user
        .teams
        .iter()
        .filter_map(|t| team_names.get(t).map(String::as_str))
        .collect();
    teams.sort_by_key(|t| t.to_lowercase());
    let row = [
        user.email.to_string(),
        user.full_name.to_string(),
        user.display_name.to_string(),
        user.roles
            .iter()
            .map(|r| r.label().to_lowercase())
            .collect::<Vec<_>>()
            .join(";"),
        teams.join(";"),
        user.status.label().to_string(),
        user.beta.to_string(),
        when(user.last_login_at),
        when(Some(user.created_at)),
    ];
    row.map(|cell| match escape_formula(&cell) {
        Cow::Borrowed(_) => cell,
        Cow::Owned(escaped) => escaped,
    })
}

/// One row of an import, as typed, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: u64,
    pub email: String,
    pub full_name: String,
    pub display_name: String,
    pub roles: String,
    pub teams: String,
    pub send_invite: String,
}

/// Reads an import file. A missing `email` or `full_name` column, an unknown column (a
/// misspelt header would otherwise be ignored) or malformed CSV is a usage error: nothing is
/// invited from a file that can't be read as a whole.
pub fn read_import(bytes: &[u8]) -> anyhow::Result<Vec<ImportRow>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // Line numbers are counted here from each record's byte offset: the reader's own count
    // skips blank lines and CR LF ends. No valid cell holds a line break, so CR LF becomes LF.
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Usage::error(format!("the CSV file can't be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for h in &headers {
        if !EXPORT_COLUMNS.contains(&h.as_str()) && !IMPORT_COLUMNS.contains(&h.as_str()) {
            return Err(Usage::error(format!(
                "the CSV file has an unknown column \"{}\"; the columns are {}",
                crate::text::safe(h),
                IMPORT_COLUMNS.join(", ")
            )));
        }
    }
    for needed in ["email", "full_name"] {
        if !headers.iter().any(|h| h == needed) {
            return Err(Usage::error(format!(
                "the CSV file has no \"{needed}\" column; its first row must name the columns ({})",
                IMPORT_COLUMNS.join(", ")
            )));
        }
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let columns: Vec<Option<usize>> = IMPORT_COLUMNS.iter().map(|c| column(c)).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| Usage::error(format!("the CSV file can't be read: {e}")))?;
        let line = record.position().map_or(0, |p| {
            let bytes = text.as_bytes();
            let mut start = (p.byte() as usize).min(bytes.len());
            // The offset is where reading began, before the blank lines the reader skipped.
            while bytes.get(start) == Some(&b'\n') {
                start += 1;
            }
            1 + bytes[..start].iter().filter(|b| **b == b'\n').count() as u64
        });
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| {
            columns[i]
                .and_then(|c| record.get(c))
                .map(unescape_formula)
                .unwrap_or("")
                .to_string()
        };
        rows.push(ImportRow {
            line,
            email: cell(0),
            full_name: cell(1),
            display_name: cell(2),
            roles: cell(3),
            teams: cell(4),
            send_invite: cell(5),
        });
    }
    Ok(rows)
}

/// A list cell: `;`-separated, blank parts skipped.
pub fn list(cell: &str) -> Vec<&str> {
    cell.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_quotes_and_line_numbers() {
        let file = "\u{feff}email,full_name,roles\r\nann@acme.io,\"Lee, Ann\",admin;agent\r\n\r\n\"bo@acme.io\",\"Bo \"\"B\"\" Diaz\",\r\n";
        let rows = read_import(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].full_name, "Lee, Ann");
        assert_eq!(list(&rows[0].roles), ["admin", "agent"]);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].full_name, "Bo \"B\" Diaz");
        assert_eq!(rows[1].send_invite, "");
    }

    #[test]
    fn a_file_without_the_needed_columns_or_with_a_misspelt_one_is_refused() {
        let e = read_import(b"mail,full_name\nx@y.io,X\n").unwrap_err();
        assert!(e.to_string().contains("unknown column \"mail\""), "{e}");
        let e = read_import(b"email\nx@y.io\n").unwrap_err();
        assert!(e.to_string().contains("no \"full_name\" column"), "{e}");
        assert!(e.downcast_ref::<Usage>().is_some());
    }

    /// OWASP's CSV-injection payloads, and the same with the leading spaces and quotes a
    /// spreadsheet trims or an attacker adds.
    const OWASP_PAYLOADS: [&str; 14] = [
        "=1+1",
        "+1+1",
        "-1+1",
        "@SUM(1+1)",
        "\t=1+1",
        "\r=1+1",
        "=HYPERLINK(\"http://x\",\"a\")",
        "=cmd|' /C calc'!A0",
        "=10+20+cmd|' /C calc'!A0",
        "@SUM(1+9)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        " =1+1",
        "\u{a0}\u{a0}+1+1",
        "'=1+1",
    ];

    #[test]
    fn formulas_are_escaped_and_the_escape_is_removed_on_import() {
        for payload in OWASP_PAYLOADS {
            let escaped = escape_formula(payload);
            assert_eq!(escaped, format!("'{payload}"), "{payload:?}");
            assert_eq!(unescape_formula(&escaped), payload, "{payload:?}");
        }
        for plain in [
            "Ann Lee",
            "ann@acme.io",
            "'quoted'",
            "'",
            "a=1",
            "Lee-Smith",
            "",
        ] {
            assert_eq!(escape_formula(plain), plain, "{plain:?}");
            assert_eq!(unescape_formula(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn an_escaped_export_reads_back_as_it_was() {
        let mut file = String::from("email,full_name,display_name,teams\n");
        let mut w = csv::Writer::from_writer(Vec::new());
        for (i, payload) in OWASP_PAYLOADS.iter().enumerate() {
            let email = format!(
                "{}{i}@acme.io",
                payload.trim_start_matches(['\t', '\r', ' '])
            );
            w.write_record(
                [&email, *payload, *payload, *payload].map(|c| escape_formula(c).into_owned()),
            )
            .unwrap();
        }
        file.push_str(&String::from_utf8(w.into_inner().unwrap()).unwrap());
        for (row, payload) in read_import(file.as_bytes())
            .unwrap()
            .iter()
            .zip(OWASP_PAYLOADS)
        {
            assert_eq!(row.full_name, payload);
            assert_eq!(row.display_name, payload);
            assert_eq!(row.teams, payload);
            let i = row.line - 2;
            assert_eq!(
                row.email,
                format!(
                    "{}{i}@acme.io",
                    payload.trim_start_matches(['\t', '\r', ' '])
                )
            );
        }
    }

    #[test]
    fn the_export_header_is_accepted_by_the_import() {
        let header = EXPORT_COLUMNS.join(",");
        let file =
            format!("{header}\nann@acme.io,Ann,Ann,owner,,active,false,,2026-01-01T00:00:00Z\n");
        let rows = read_import(file.as_bytes()).unwrap();
        assert_eq!(rows[0].roles, "owner");
    }
}
