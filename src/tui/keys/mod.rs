//! Key bindings as data: the same table maps keys to commands and generates the help screen
//! and the footer hints, so what the screen says can never drift from what the keys do.
//!
//! `BINDINGS` are the defaults; a `keys.toml` in the user config folder names actions and the
//! keys they get instead (`deactivate = "X"`, `down = ["j", "Down", "Ctrl-n"]`), merged over
//! the defaults by `Keymap::parse`. A file that can't be understood, or that gives one key to
//! two actions on the same tab, is an error naming its line and the key: the console then does
//! not start, rather than start with keys the admin doesn't expect.

pub mod dialogs;

pub use dialogs::{DIALOG_ROWS, Dialog, DialogKey, HintSpec, dialog_row};

pub mod key;
pub mod table;

pub use key::{Key, parse_key};
pub use table::{BINDINGS, Binding, Command, Scope, action_name, changes, row};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use key::CTRL_C;

/// The bindings in force: the defaults, with the user's file merged over them.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// Per entry of `BINDINGS`, in the same order: its keys and how they are written.
    keys: Vec<Vec<Key>>,
    labels: Vec<String>,
    /// Per entry of `DIALOG_ROWS`, in the same order: its keys, and whether keys.toml set them.
    dialog_keys: Vec<Vec<Key>>,
    dialog_changed: Vec<bool>,
}

/// One entry of a hint line or the help screen: keys as written, and what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub keys: String,
    pub what: &'static str,
    /// It changes the workspace: hidden and refused in read-only mode.
    pub changes: bool,
}

fn defaults(keys: &[(KeyCode, KeyModifiers)]) -> Vec<Key> {
    let mut out: Vec<Key> = Vec::new();
    for &(code, mods) in keys {
        let key = Key::new(code, mods);
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            keys: BINDINGS.iter().map(|b| defaults(b.keys)).collect(),
            labels: BINDINGS.iter().map(|b| b.label.to_string()).collect(),
            dialog_keys: DIALOG_ROWS.iter().map(|r| defaults(r.keys)).collect(),
            dialog_changed: vec![false; DIALOG_ROWS.len()],
        }
    }
}

impl Keymap {
    /// The command a key asks for on the given tab, if any.
    pub fn lookup(&self, key: &KeyEvent, tab: crate::tui::model::Tab) -> Option<Command> {
        let key = Key::of(key);
        if key == CTRL_C {
            return Some(Command::Quit);
        }
        BINDINGS
            .iter()
            .zip(&self.keys)
            .filter(|(b, _)| b.scope.applies_to(tab))
            .find(|(_, keys)| keys.contains(&key))
            .map(|(b, _)| b.command)
    }

    /// The footer hints of a tab: (keys, what).
    pub fn hints(&self, tab: crate::tui::model::Tab) -> Vec<(&str, &'static str)> {
        BINDINGS
            .iter()
            .zip(&self.labels)
            .filter(|(b, _)| b.scope.applies_to(tab))
            .filter_map(|(b, label)| b.hint.map(|h| (label.as_str(), h)))
            .collect()
    }

    /// How the keys of a command are written ("—" when the file left it without keys).
    pub fn label(&self, command: Command) -> &str {
        BINDINGS
            .iter()
            .position(|b| b.command == command)
            .map_or("—", |i| self.labels[i].as_str())
    }

    /// The dialog command a key asks for in `scope`, if any.
    pub fn dialog(&self, scope: Dialog, key: &KeyEvent) -> Option<DialogKey> {
        let key = Key::of(key);
        DIALOG_ROWS
            .iter()
            .zip(&self.dialog_keys)
            .find(|(r, keys)| r.scopes.contains(&scope) && keys.contains(&key))
            .map(|(r, _)| r.command)
    }

    /// Whether `key` is one of `command`'s keys.
    pub fn is(&self, command: DialogKey, key: &KeyEvent) -> bool {
        self.dialog_keys[dialog_row(command)].contains(&Key::of(key))
    }

    /// A hint as the keys in force write it.
    pub fn hint(&self, spec: &HintSpec) -> Hint {
        let rebound = spec
            .rows
            .iter()
            .any(|&c| self.dialog_changed[dialog_row(c)]);
        let keys = if rebound {
            spec.rows
                .iter()
                .map(|&c| label_of(&self.dialog_keys[dialog_row(c)]))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            spec.label.to_string()
        };
        Hint {
            keys,
            what: spec.what,
            changes: spec.changes,
        }
    }

    pub fn dialog_hints(&self, specs: &[HintSpec]) -> Vec<Hint> {
        specs.iter().map(|s| self.hint(s)).collect()
    }

    /// The user's `keys.toml` from the config folder merged over the defaults; the defaults
    /// when there is no such file.
    pub fn from_config_dir() -> Result<Keymap, KeysError> {
        match directories::ProjectDirs::from("io", "Atender", "atender-admin") {
            Some(dirs) => Keymap::load(&dirs.config_dir().join(KEYS_FILE)),
            None => Ok(Keymap::default()),
        }
    }

    /// `path` merged over the defaults; the defaults when it doesn't exist.
    pub fn load(path: &std::path::Path) -> Result<Keymap, KeysError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Keymap::default()),
            Err(e) => {
                return Err(KeysError {
                    path: path.display().to_string(),
                    line: None,
                    problem: format!("can't read it: {e}"),
                });
            }
        };
        Keymap::parse(&text).map_err(|(line, problem)| KeysError {
            path: path.display().to_string(),
            line,
            problem,
        })
    }

    /// A `keys.toml` text merged over the defaults, or the line (if known) and what is wrong.
    pub fn parse(text: &str) -> Result<Keymap, (Option<usize>, String)> {
        let doc = toml_edit::Document::parse(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            (line, e.message().to_string())
        })?;
        let mut map = Keymap::default();
        // Which line set each binding's keys, for naming it in a conflict.
        let mut set_at: Vec<Option<usize>> = vec![None; BINDINGS.len()];
        let mut dialog_set_at: Vec<Option<usize>> = vec![None; DIALOG_ROWS.len()];
        for (name, item) in doc.iter() {
            let line = doc
                .get_key_value(name)
                .and_then(|(k, _)| k.span())
                .map(|s| line_of(text, s.start));
            let at = |problem: String| (line, problem);
            if let Some(table) = item.as_table_like() {
                // `[confirm]` then `yes = "Y"`: a dialog's keys.
                for (sub, sub_item) in table.iter() {
                    let full = format!("{name}.{sub}");
                    let line = table
                        .get_key_value(sub)
                        .and_then(|(k, _)| k.span())
                        .map(|s| line_of(text, s.start))
                        .or(line);
                    let at = |problem: String| (line, problem);
                    let Some(index) = DIALOG_ROWS.iter().position(|r| r.name == full) else {
                        return Err(at(format!(
                            "there is no dialog action \"{full}\": they are {}",
                            DIALOG_ROWS
                                .iter()
                                .map(|r| r.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                    };
                    let keys = written_keys(&full, sub_item, &at)?;
                    if keys.contains(&CTRL_C) {
                        return Err(at(format!("{full}: Ctrl-C always quits")));
                    }
                    map.dialog_keys[index] = keys;
                    map.dialog_changed[index] = true;
                    dialog_set_at[index] = line;
                }
                continue;
            }
            let Some(index) = BINDINGS.iter().position(|b| b.name == name) else {
                return Err(at(format!(
                    "there is no action \"{name}\": the actions are {} (a dialog's keys go in its section, like [confirm])",
                    BINDINGS
                        .iter()
                        .map(|b| b.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let keys = written_keys(name, item, &at)?;
            if keys.contains(&CTRL_C) && BINDINGS[index].command != Command::Quit {
                return Err(at(format!("{name}: Ctrl-C always quits")));
            }
            map.labels[index] = label_of(&keys);
            map.keys[index] = keys;
            set_at[index] = line;
        }
        // One key, two dialog commands that apply in the same place: refused.
        for (i, a) in DIALOG_ROWS.iter().enumerate() {
            for (j, b) in DIALOG_ROWS.iter().enumerate().skip(i + 1) {
                if !a.scopes.iter().any(|s| b.scopes.contains(s)) {
                    continue;
                }
                if let Some(key) = map.dialog_keys[i]
                    .iter()
                    .find(|k| map.dialog_keys[j].contains(k))
                {
                    let (named, other) = match (dialog_set_at[i], dialog_set_at[j]) {
                        (Some(li), Some(lj)) if li > lj => (i, j),
                        (_, Some(_)) => (j, i),
                        _ => (i, j),
                    };
                    let whose = if dialog_set_at[other].is_some() {
                        ""
                    } else {
                        " by default"
                    };
                    return Err((
                        dialog_set_at[named],
                        format!(
                            "{} is bound to both {} and {}{whose}: give one of them another key",
                            key.label(),
                            DIALOG_ROWS[named].name,
                            DIALOG_ROWS[other].name,
                        ),
                    ));
                }
            }
        }
        // One key, two actions that can both be asked for on one tab: refused.
        for (i, a) in BINDINGS.iter().enumerate() {
            for (j, b) in BINDINGS.iter().enumerate().skip(i + 1) {
                if !crate::tui::model::Tab::ALL
                    .iter()
                    .any(|&t| a.scope.applies_to(t) && b.scope.applies_to(t))
                {
                    continue;
                }
                if let Some(key) = map.keys[i].iter().find(|k| map.keys[j].contains(k)) {
                    let (named, other, line) = match (set_at[i], set_at[j]) {
                        (Some(li), Some(lj)) if li > lj => (i, j, Some(li)),
                        (_, Some(lj)) => (j, i, Some(lj)),
                        (li, None) => (i, j, li),
                    };
                    let other_name = action_name(BINDINGS[other].command);
                    let whose = if set_at[other].is_some() {
                        String::new()
                    } else {
                        " by default".to_string()
                    };
                    return Err((
                        line,
                        format!(
                            "{} is bound to both {} and {other_name}{whose}: give one of them another key (e.g. {other_name} = \"…\")",
                            key.label(),
                            action_name(BINDINGS[named].command),
                        ),
                    ));
                }
            }
        }
        Ok(map)
    }
}

/// The file's name in the user config folder.
pub const KEYS_FILE: &str = "keys.toml";

/// The keys written for one action: a key (`"j"`) or a list (`["j", "Down"]`).
fn written_keys(
    name: &str,
    item: &toml_edit::Item,
    at: &dyn Fn(String) -> (Option<usize>, String),
) -> Result<Vec<Key>, (Option<usize>, String)> {
    let written: Vec<&str> = if let Some(one) = item.as_str() {
        vec![one]
    } else if let Some(list) = item.as_array() {
        list.iter()
            .map(|v| {
                v.as_str().ok_or_else(|| {
                    at(format!(
                        "{name}: every key is a string, like \"j\" or \"Ctrl-n\""
                    ))
                })
            })
            .collect::<Result<_, _>>()?
    } else {
        return Err(at(format!(
            "{name}: write a key (\"j\") or a list of keys ([\"j\", \"Down\"])"
        )));
    };
    let mut keys = Vec::new();
    for w in written {
        let key = parse_key(w).map_err(|why| at(format!("{name} = \"{w}\": {why}")))?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
}

/// How keys are written on screen: `j Down`, or `—` for none.
fn label_of(keys: &[Key]) -> String {
    if keys.is_empty() {
        "—".to_string()
    } else {
        keys.iter().map(|k| k.label()).collect::<Vec<_>>().join(" ")
    }
}

/// A `keys.toml` the console can't use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {problem}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct KeysError {
    pub path: String,
    pub line: Option<usize>,
    pub problem: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::key::{CTRL, NONE, SHIFT};
    use super::*;
    use KeyCode::*;

    #[test]
    fn every_command_has_exactly_one_row_and_every_name_is_its_own() {
        use std::collections::HashSet;
        let commands: HashSet<Command> = BINDINGS.iter().map(|b| b.command).collect();
        assert_eq!(commands.len(), BINDINGS.len(), "a command with two rows");
        assert_eq!(
            commands,
            Command::ALL.into_iter().collect(),
            "a command without a row"
        );
        let dialog: HashSet<DialogKey> = DIALOG_ROWS.iter().map(|r| r.command).collect();
        assert_eq!(
            dialog.len(),
            DIALOG_ROWS.len(),
            "a dialog command with two rows"
        );
        assert_eq!(
            dialog,
            DialogKey::ALL.into_iter().collect(),
            "a dialog command without a row"
        );
        let names: HashSet<&str> = BINDINGS.iter().map(|b| b.name).collect();
        assert_eq!(names.len(), BINDINGS.len(), "two rows with one name");
        for b in BINDINGS {
            assert_eq!(row(b.command).name, b.name);
        }
        let dialog_names: HashSet<&str> = DIALOG_ROWS.iter().map(|r| r.name).collect();
        assert_eq!(
            dialog_names.len(),
            DIALOG_ROWS.len(),
            "two dialog rows with one name"
        );
        for (i, r) in DIALOG_ROWS.iter().enumerate() {
            assert_eq!(dialog_row(r.command), i, "{} has two rows", r.name);
        }
        // The defaults never give one key two commands where both apply.
        assert!(Keymap::parse("").is_ok());
    }
    use crate::tui::model::Tab;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    fn lookup(key: &KeyEvent, tab: Tab) -> Option<Command> {
        Keymap::default().lookup(key, tab)
    }

    #[test]
    fn arrows_and_vim_keys_both_move() {
        for k in [key(Down, NONE), key(Char('j'), NONE)] {
            assert_eq!(lookup(&k, Tab::Active), Some(Command::Down));
        }
        assert_eq!(
            lookup(&key(Char('G'), SHIFT), Tab::Active),
            Some(Command::Last)
        );
        assert_eq!(
            lookup(&key(Char('G'), NONE), Tab::Active),
            Some(Command::Last)
        );
    }

    #[test]
    fn tab_specific_keys_only_act_on_their_tab() {
        assert_eq!(
            lookup(&key(Char('d'), NONE), Tab::Active),
            Some(Command::Deactivate)
        );
        assert_eq!(lookup(&key(Char('d'), NONE), Tab::Inactive), None);
        assert_eq!(
            lookup(&key(Char('r'), NONE), Tab::Inactive),
            Some(Command::Reactivate)
        );
        assert_eq!(
            lookup(&key(Char('r'), CTRL), Tab::Inactive),
            Some(Command::Reload)
        );
        assert_eq!(
            lookup(&key(Char('x'), NONE), Tab::Pending),
            Some(Command::CancelInvite)
        );
        assert_eq!(lookup(&key(Char('e'), NONE), Tab::Pending), None);
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for tab in [Tab::Active, Tab::Inactive, Tab::Pending] {
            let mut seen = std::collections::HashSet::new();
            for b in BINDINGS.iter().filter(|b| b.scope.applies_to(tab)) {
                for k in b.keys {
                    assert!(seen.insert(*k), "{k:?} bound twice on {tab:?}");
                }
            }
        }
    }

    fn parsed(text: &str) -> Keymap {
        Keymap::parse(text).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn refused(text: &str) -> (Option<usize>, String) {
        match Keymap::parse(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e,
        }
    }

    #[test]
    fn keys_are_written_as_people_write_them() {
        assert_eq!(parse_key("j"), Ok(Key::new(Char('j'), NONE)));
        assert_eq!(parse_key("D"), Ok(Key::new(Char('D'), SHIFT)));
        assert_eq!(parse_key("Shift-d"), Ok(Key::new(Char('D'), NONE)));
        assert_eq!(parse_key("ctrl-N"), Ok(Key::new(Char('n'), CTRL)));
        assert_eq!(parse_key("Ctrl-n").unwrap().label(), "Ctrl-N");
        assert_eq!(parse_key("PgDn"), Ok(Key::new(PageDown, NONE)));
        assert_eq!(parse_key("pagedown"), Ok(Key::new(PageDown, NONE)));
        assert_eq!(parse_key("Shift-Tab"), Ok(Key::new(BackTab, SHIFT)));
        assert_eq!(parse_key("Space"), Ok(Key::new(Char(' '), NONE)));
        assert_eq!(parse_key("F5"), Ok(Key::new(F(5), NONE)));
        assert_eq!(parse_key("Alt-x").unwrap().label(), "Alt-x");
        assert_eq!(parse_key("-"), Ok(Key::new(Char('-'), NONE)));
        assert_eq!(parse_key("Ctrl--"), Ok(Key::new(Char('-'), CTRL)));
        for bad in ["", "jj", "F13", "Shift-/", "Ctrl-", "Hyper-x", " "] {
            assert!(parse_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_file_merges_over_the_defaults() {
        let map =
            parsed("# vim people\ndeactivate = \"X\"\ndown = [\"j\", \"Down\", \"Ctrl-n\"]\n");
        // the new keys work
        assert_eq!(
            map.lookup(&key(Char('X'), SHIFT), Tab::Active),
            Some(Command::Deactivate)
        );
        assert_eq!(
            map.lookup(&key(Char('n'), CTRL), Tab::Active),
            Some(Command::Down)
        );
        // the action's old key is gone; every other action keeps its defaults
        assert_eq!(map.lookup(&key(Char('d'), NONE), Tab::Active), None);
        assert_eq!(
            map.lookup(&key(Char('r'), NONE), Tab::Inactive),
            Some(Command::Reactivate)
        );
        // the hints and help show the keys in force
        assert!(map.hints(Tab::Active).contains(&("X", "deactivate")));
        assert_eq!(map.label(Command::Down), "j ↓ Ctrl-N");
        assert_eq!(map.label(Command::Up), "↑ k");
        // an empty file is the defaults
        assert_eq!(parsed("").label(Command::Deactivate), "d");
    }

    #[test]
    fn an_action_may_be_left_without_keys_but_ctrl_c_always_quits() {
        let map = parsed("quit = []\n");
        assert_eq!(map.lookup(&key(Char('q'), NONE), Tab::Active), None);
        assert_eq!(map.label(Command::Quit), "—");
        assert_eq!(
            map.lookup(&key(Char('c'), CTRL), Tab::Active),
            Some(Command::Quit)
        );
        let (line, why) = refused("\nreload = \"Ctrl-c\"");
        assert_eq!(line, Some(2));
        assert!(why.contains("Ctrl-C always quits"), "{why}");
    }

    #[test]
    fn two_actions_on_one_key_are_refused_with_the_line_and_the_key() {
        // against a default: d is deactivate's
        let (line, why) = refused("help = \"?\"\nreactivate = \"r\"\nedit = \"d\"\n");
        assert_eq!(line, Some(3));
        assert_eq!(
            why,
            "d is bound to both edit and deactivate by default: give one of them another key (e.g. deactivate = \"…\")"
        );
        // both from the file: the later line is named
        let (line, why) = refused("invite = \"n\"\n\nteams = [\"T\", \"n\"]\n");
        assert_eq!(line, Some(3));
        assert!(
            why.starts_with("n is bound to both teams and invite:"),
            "{why}"
        );
        // one key on two tabs is fine: x cancels invites (Pending) and may deactivate (Active)
        let map = parsed("deactivate = \"x\"");
        assert_eq!(
            map.lookup(&key(Char('x'), NONE), Tab::Active),
            Some(Command::Deactivate)
        );
        assert_eq!(
            map.lookup(&key(Char('x'), NONE), Tab::Pending),
            Some(Command::CancelInvite)
        );
    }

    #[test]
    fn a_bad_file_names_its_line_and_key() {
        let (line, why) = refused("down = \"j\"\ndeactvate = \"X\"\n");
        assert_eq!(line, Some(2));
        assert!(
            why.starts_with("there is no action \"deactvate\": the actions are next-tab"),
            "{why}"
        );
        let (line, why) = refused("\n\ndown = \"Dwn\"\n");
        assert_eq!(line, Some(3));
        assert!(
            why.starts_with("down = \"Dwn\": not a key: write one character"),
            "{why}"
        );
        let (line, why) = refused("down = 3\n");
        assert_eq!(line, Some(1));
        assert!(why.contains("write a key"), "{why}");
        let (line, why) = refused("up = [\"k\", 1]\n");
        assert_eq!(line, Some(1));
        assert!(why.contains("every key is a string"), "{why}");
        // TOML itself: the parser's message, with its line
        let (line, why) = refused("down = \"j\"\nup = \"k\n");
        assert_eq!(line, Some(2), "{why}");
        // the error as the admin reads it
        let err = KeysError {
            path: "/home/ann/.config/atender-admin/keys.toml".into(),
            line: Some(2),
            problem: "x".into(),
        };
        assert_eq!(
            err.to_string(),
            "/home/ann/.config/atender-admin/keys.toml line 2: x"
        );
    }

    #[test]
    fn a_missing_file_is_the_defaults_and_an_unreadable_one_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let map = Keymap::load(&dir.path().join("keys.toml")).unwrap();
        assert_eq!(map.label(Command::Deactivate), "d");
        std::fs::write(dir.path().join("keys.toml"), "deactivate = \"Z\"").unwrap();
        let map = Keymap::load(&dir.path().join("keys.toml")).unwrap();
        assert_eq!(map.label(Command::Deactivate), "Z");
        let err = Keymap::load(dir.path()).unwrap_err();
        assert!(err.problem.starts_with("can't read it"), "{err}");
    }
}
