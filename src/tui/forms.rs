//! The invite and edit forms: what was typed, which field has focus, and the core's errors next
//! to their fields. A form never validates on its own: the core does, and the form shows it.
//! Whatever happens, what the admin typed stays until they save or choose to discard it.

use crate::domain::{Email, Error, Field, PersonName, Role, Team, TeamId, TeamName, TeamSet, User};
use crate::service::{NewInvite, UserPatch};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// A list of checkboxes with a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckList<T> {
    pub items: Vec<(T, String, bool)>,
    pub cursor: usize,
}

impl<T: Copy + PartialEq> CheckList<T> {
    pub fn new(items: Vec<(T, String, bool)>) -> Self {
        CheckList { items, cursor: 0 }
    }

    pub fn checked(&self) -> Vec<T> {
        self.items.iter().filter(|i| i.2).map(|i| i.0).collect()
    }

    pub fn set(&mut self, value: T, on: bool) {
        if let Some(item) = self.items.iter_mut().find(|i| i.0 == value) {
            item.2 = on;
        }
    }

    /// Arrow keys and j/k move, g/G and Home/End jump, Space toggles. Returns whether the
    /// key was used.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        match key.code {
            KeyCode::Up | KeyCode::Left | KeyCode::Char('k') if self.cursor > 0 => self.cursor -= 1,
            KeyCode::Down | KeyCode::Right | KeyCode::Char('j')
                if self.cursor + 1 < self.items.len() =>
            {
                self.cursor += 1
            }
            KeyCode::Home | KeyCode::Char('g') => self.cursor = 0,
            KeyCode::End | KeyCode::Char('G') => self.cursor = self.items.len().saturating_sub(1),
            KeyCode::Char(' ') => {
                if let Some(item) = self.items.get_mut(self.cursor) {
                    item.2 = !item.2;
                }
            }
            KeyCode::Up
            | KeyCode::Down
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('j')
            | KeyCode::Char('k') => {}
            _ => return false,
        }
        true
    }
}

pub fn role_list(selected: &[Role]) -> CheckList<Role> {
    CheckList::new(
        Role::ALL
            .iter()
            .map(|r| (*r, r.label().to_string(), selected.contains(r)))
            .collect(),
    )
}

pub fn team_list(teams: &[Team], selected: &TeamSet) -> CheckList<TeamId> {
    CheckList::new(
        teams
            .iter()
            .map(|t| (t.id, t.name.as_str().to_string(), selected.contains(&t.id)))
            .collect(),
    )
}

/// What a key did to a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    Stay,
    Submit,
    /// Esc: close (the caller asks first if anything was typed).
    Close,
    CreateTeam(String),
    /// Ctrl-R in an edit form: load the user's current data into it.
    Reload,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteField {
    Email,
    FullName,
    DisplayName,
    Roles,
    Teams,
    NewTeam,
    Send,
    Save,
}

const INVITE_ORDER: [InviteField; 8] = [
    InviteField::Email,
    InviteField::FullName,
    InviteField::DisplayName,
    InviteField::Roles,
    InviteField::Teams,
    InviteField::NewTeam,
    InviteField::Send,
    InviteField::Save,
];

#[derive(Debug, Clone)]
pub struct InviteForm {
    pub email: Input,
    pub full_name: Input,
    pub display_name: Input,
    /// The display name follows the full name until edited.
    pub display_edited: bool,
    pub roles: CheckList<Role>,
    pub teams: CheckList<TeamId>,
    pub new_team: Input,
    pub send: bool,
    pub focus: InviteField,
    pub errors: HashMap<Field, String>,
    pub error: Option<String>,
    pub busy: bool,
}

impl InviteForm {
    pub fn new(teams: &[Team]) -> Self {
        InviteForm {
            email: Input::default(),
            full_name: Input::default(),
            display_name: Input::default(),
            display_edited: false,
            roles: role_list(&[Role::Agent]),
            teams: team_list(teams, &TeamSet::new()),
            new_team: Input::default(),
            send: true,
            focus: InviteField::Email,
            errors: HashMap::new(),
            error: None,
            busy: false,
        }
    }

    pub fn has_input(&self) -> bool {
        !self.email.value().trim().is_empty()
            || !self.full_name.value().trim().is_empty()
            || self.display_edited
            || !self.teams.checked().is_empty()
    }

    pub fn request(&self) -> NewInvite {
        NewInvite {
            email: self.email.value().to_string(),
            full_name: self.full_name.value().to_string(),
            display_name: Some(self.display_name.value().to_string()),
            roles: self.roles.checked(),
            teams: self.teams.checked(),
            send_invite: self.send,
        }
    }

    pub fn show_error(&mut self, e: &Error) {
        show_error(&mut self.errors, &mut self.error, e);
        if let Some(field) = e.field() {
            self.focus = match field {
                Field::Email => InviteField::Email,
                Field::FullName => InviteField::FullName,
                Field::DisplayName => InviteField::DisplayName,
                Field::Roles => InviteField::Roles,
                Field::Teams => InviteField::Teams,
                Field::TeamName => InviteField::NewTeam,
                _ => self.focus,
            };
        }
    }

    /// Adds a team created from the form and ticks it.
    pub fn add_team(&mut self, team: &Team) {
        self.teams
            .items
            .push((team.id, team.name.as_str().to_string(), true));
        self.new_team = Input::default();
        self.errors.remove(&Field::TeamName);
    }

    /// The text field with focus, if the focus is on one.
    fn text_field(&mut self) -> Option<&mut Input> {
        match self.focus {
            InviteField::Email => Some(&mut self.email),
            InviteField::FullName => Some(&mut self.full_name),
            InviteField::DisplayName => Some(&mut self.display_name),
            InviteField::NewTeam => Some(&mut self.new_team),
            _ => None,
        }
    }

    /// After the focused text field changed: the display name follows the full name until
    /// edited, and the field's error is checked again.
    fn text_changed(&mut self) {
        match self.focus {
            InviteField::FullName if !self.display_edited => {
                self.display_name = Input::new(self.full_name.value().to_string());
                recheck(
                    &mut self.errors,
                    Field::DisplayName,
                    self.display_name.value(),
                );
            }
            InviteField::DisplayName => self.display_edited = true,
            _ => {}
        }
        let (field, value) = match self.focus {
            InviteField::Email => (Field::Email, self.email.value()),
            InviteField::FullName => (Field::FullName, self.full_name.value()),
            InviteField::DisplayName => (Field::DisplayName, self.display_name.value()),
            InviteField::NewTeam => (Field::TeamName, self.new_team.value()),
            _ => return,
        };
        recheck(&mut self.errors, field, value);
    }

    /// Enter in "New team": a name the workspace already has ticks that team; another creates it.
    fn new_team_entered(&mut self, name: String) -> FormOutcome {
        if name.is_empty() {
            return FormOutcome::Stay;
        }
        let existing = TeamName::parse(&name).ok().and_then(|wanted| {
            self.teams.items.iter().position(|(_, n, _)| {
                TeamName::parse(n).is_ok_and(|n| n.folded() == wanted.folded())
            })
        });
        match existing {
            Some(i) => {
                self.teams.items[i].2 = true;
                self.teams.cursor = i;
                self.new_team = Input::default();
                self.errors.remove(&Field::TeamName);
                self.error = Some(format!(
                    "{} already exists: ticked it under Teams",
                    self.teams.items[i].1
                ));
                FormOutcome::Stay
            }
            None => FormOutcome::CreateTeam(name),
        }
    }

    /// Pasted text goes into the focused text field as one line: a pasted newline never
    /// moves on to the next field.
    pub fn paste(&mut self, text: &str) {
        if self
            .text_field()
            .is_some_and(|input| paste_into(input, text))
        {
            self.text_changed();
        }
    }

    pub fn handle(&mut self, key: &KeyEvent) -> FormOutcome {
        if let Some(o) = common_keys(key, &mut self.focus, &INVITE_ORDER, InviteField::Save) {
            return o;
        }
        let event = crossterm::event::Event::Key(*key);
        match self.focus {
            InviteField::Email | InviteField::FullName | InviteField::DisplayName => {
                let Some(input) = self.text_field() else {
                    return FormOutcome::Stay;
                };
                if input.handle_event(&event).is_some_and(|c| c.value) {
                    self.text_changed();
                }
            }
            InviteField::Roles => {
                self.roles.handle(key);
            }
            InviteField::Teams => {
                self.teams.handle(key);
            }
            InviteField::NewTeam => {
                if key.code == KeyCode::Enter {
                    let name = self.new_team.value().trim().to_string();
                    return self.new_team_entered(name);
                }
                if self.new_team.handle_event(&event).is_some_and(|c| c.value) {
                    self.text_changed();
                }
            }
            InviteField::Send => {
                if key.code == KeyCode::Char(' ') {
                    self.send = !self.send;
                }
            }
            InviteField::Save => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Char(' ')) {
                    return FormOutcome::Submit;
                }
            }
        }
        if key.code == KeyCode::Enter && self.focus != InviteField::NewTeam {
            // Enter in a text field moves on, like Tab; on Save it submits (above).
            advance(&mut self.focus, &INVITE_ORDER, 1);
        }
        FormOutcome::Stay
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditField {
    FullName,
    DisplayName,
    Roles,
    Teams,
    Beta,
    Save,
}

const EDIT_ORDER: [EditField; 6] = [
    EditField::FullName,
    EditField::DisplayName,
    EditField::Roles,
    EditField::Teams,
    EditField::Beta,
    EditField::Save,
];

#[derive(Debug, Clone)]
pub struct EditForm {
    pub user: User,
    pub full_name: Input,
    pub display_name: Input,
    pub display_follows: bool,
    pub roles: CheckList<Role>,
    pub teams: CheckList<TeamId>,
    pub beta: bool,
    pub focus: EditField,
    pub errors: HashMap<Field, String>,
    pub error: Option<String>,
    /// The user changed since the form opened; Ctrl-R loads the new version.
    pub conflict: bool,
    pub busy: bool,
}

impl EditForm {
    pub fn new(user: &User, teams: &[Team]) -> Self {
        EditForm {
            full_name: Input::new(user.full_name.as_str().to_string()),
            display_name: Input::new(user.display_name.as_str().to_string()),
            display_follows: user.display_name == user.full_name,
            roles: role_list(&user.roles.iter().collect::<Vec<_>>()),
            teams: team_list(teams, &user.teams),
            beta: user.beta,
            focus: EditField::FullName,
            errors: HashMap::new(),
            error: None,
            conflict: false,
            busy: false,
            user: user.clone(),
        }
    }

    /// The fields that differ from the user as loaded.
    pub fn patch(&self) -> UserPatch {
        let u = &self.user;
        let full = self.full_name.value();
        let display = self.display_name.value();
        let roles = self.roles.checked();
        let teams: TeamSet = self.teams.checked().into_iter().collect();
        UserPatch {
            full_name: (full != u.full_name.as_str()).then(|| full.to_string()),
            display_name: (display != u.display_name.as_str()).then(|| display.to_string()),
            roles: (roles != u.roles.iter().collect::<Vec<_>>()).then_some(roles),
            teams: (teams != u.teams).then(|| teams.into_iter().collect()),
            beta: (self.beta != u.beta).then_some(self.beta),
        }
    }

    pub fn has_changes(&self) -> bool {
        self.patch() != UserPatch::default()
    }

    /// Takes the user's current data, keeping the admin's own changes on top where they can.
    pub fn rebase(&mut self, fresh: &User, teams: &[Team]) {
        let mine = self.patch();
        let mut form = EditForm::new(fresh, teams);
        if let Some(f) = mine.full_name {
            form.full_name = Input::new(f);
        }
        if let Some(d) = mine.display_name {
            form.display_name = Input::new(d);
        }
        if let Some(roles) = mine.roles {
            for (role, _, on) in &mut form.roles.items {
                *on = roles.contains(role);
            }
        }
        if let Some(t) = mine.teams {
            for (id, _, on) in &mut form.teams.items {
                *on = t.contains(id);
            }
        }
        if let Some(b) = mine.beta {
            form.beta = b;
        }
        form.focus = self.focus;
        *self = form;
    }

    pub fn show_error(&mut self, e: &Error) {
        self.conflict = matches!(e, Error::Conflict { .. });
        if self.conflict {
            self.error = Some("changed by someone else since you opened it: Ctrl-R loads their version (your changes are kept on top), then save again".into());
            self.errors.clear();
            return;
        }
        show_error(&mut self.errors, &mut self.error, e);
        if let Some(field) = e.field() {
            self.focus = match field {
                Field::FullName => EditField::FullName,
                Field::DisplayName => EditField::DisplayName,
                Field::Roles => EditField::Roles,
                Field::Teams => EditField::Teams,
                _ => self.focus,
            };
        }
    }

    fn text_field(&mut self) -> Option<&mut Input> {
        match self.focus {
            EditField::FullName => Some(&mut self.full_name),
            EditField::DisplayName => Some(&mut self.display_name),
            _ => None,
        }
    }

    fn text_changed(&mut self) {
        match self.focus {
            EditField::FullName => {
                if self.display_follows {
                    self.display_name = Input::new(self.full_name.value().to_string());
                    recheck(
                        &mut self.errors,
                        Field::DisplayName,
                        self.display_name.value(),
                    );
                }
                recheck(&mut self.errors, Field::FullName, self.full_name.value());
            }
            EditField::DisplayName => {
                self.display_follows = false;
                recheck(
                    &mut self.errors,
                    Field::DisplayName,
                    self.display_name.value(),
                );
            }
            _ => {}
        }
    }

    /// Pasted text goes into the focused text field as one line.
    pub fn paste(&mut self, text: &str) {
        if self
            .text_field()
            .is_some_and(|input| paste_into(input, text))
        {
            self.text_changed();
        }
    }

    pub fn handle(&mut self, key: &KeyEvent) -> FormOutcome {
        if key.code == KeyCode::Char('r') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return FormOutcome::Reload;
        }
        if let Some(o) = common_keys(key, &mut self.focus, &EDIT_ORDER, EditField::Save) {
            return o;
        }
        let event = crossterm::event::Event::Key(*key);
        match self.focus {
            EditField::FullName | EditField::DisplayName => {
                let Some(input) = self.text_field() else {
                    return FormOutcome::Stay;
                };
                if input.handle_event(&event).is_some_and(|c| c.value) {
                    self.text_changed();
                }
            }
            EditField::Roles => {
                self.roles.handle(key);
            }
            EditField::Teams => {
                self.teams.handle(key);
            }
            EditField::Beta => {
                if key.code == KeyCode::Char(' ') {
                    self.beta = !self.beta;
                }
            }
            EditField::Save => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Char(' ')) {
                    return FormOutcome::Submit;
                }
            }
        }
        if key.code == KeyCode::Enter {
            advance(&mut self.focus, &EDIT_ORDER, 1);
        }
        FormOutcome::Stay
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInField {
    Workspace,
    Email,
    Password,
}

/// The sign-in screen of connected mode. The password is never shown, only its length.
#[derive(Debug, Clone)]
pub struct SignInForm {
    pub server: String,
    pub workspace: Input,
    pub email: Input,
    pub password: Input,
    pub focus: SignInField,
    /// Why the screen is shown (e.g. the session ended), or the last sign-in error.
    pub message: Option<String>,
    pub error: bool,
    pub busy: bool,
}

impl SignInForm {
    pub fn new(server: &str, workspace: &str, email: &str, message: Option<String>) -> Self {
        let focus = if workspace.is_empty() {
            SignInField::Workspace
        } else if email.is_empty() {
            SignInField::Email
        } else {
            SignInField::Password
        };
        SignInForm {
            server: server.to_string(),
            workspace: Input::new(workspace.to_string()),
            email: Input::new(email.to_string()),
            password: Input::default(),
            focus,
            message,
            error: false,
            busy: false,
        }
    }

    /// Pasted text goes into the focused field (a password manager's paste included).
    pub fn paste(&mut self, text: &str) {
        let input = match self.focus {
            SignInField::Workspace => &mut self.workspace,
            SignInField::Email => &mut self.email,
            SignInField::Password => &mut self.password,
        };
        paste_into(input, text);
    }

    /// Enter submits from the password field and moves on from the others.
    pub fn handle(&mut self, key: &KeyEvent) -> FormOutcome {
        const ORDER: [SignInField; 3] = [
            SignInField::Workspace,
            SignInField::Email,
            SignInField::Password,
        ];
        match key.code {
            KeyCode::Tab | KeyCode::Down => advance(&mut self.focus, &ORDER, 1),
            KeyCode::BackTab | KeyCode::Up => advance(&mut self.focus, &ORDER, -1),
            KeyCode::Enter if self.focus == SignInField::Password => return FormOutcome::Submit,
            KeyCode::Enter => advance(&mut self.focus, &ORDER, 1),
            _ => {
                let event = crossterm::event::Event::Key(*key);
                let input = match self.focus {
                    SignInField::Workspace => &mut self.workspace,
                    SignInField::Email => &mut self.email,
                    SignInField::Password => &mut self.password,
                };
                input.handle_event(&event);
            }
        }
        FormOutcome::Stay
    }
}

/// Inserts pasted text at the cursor as one line: line breaks and tabs become spaces (a
/// trailing line break is dropped), so a paste never acts as Enter or Tab. Returns whether
/// anything was inserted.
pub fn paste_into(input: &mut Input, text: &str) -> bool {
    let line: String = text
        .replace("\r\n", "\n")
        .trim_end_matches(['\n', '\r'])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.is_empty() {
        return false;
    }
    let value = input.value();
    let at = input.cursor();
    let byte = value.char_indices().nth(at).map_or(value.len(), |(b, _)| b);
    let joined = format!("{}{line}{}", &value[..byte], &value[byte..]);
    *input = Input::new(joined).with_cursor(at + line.chars().count());
    true
}

/// Checks a field that shows an error again, once its text changed, with the core's own
/// parser for it: a fixed field loses its error at once, a new mistake replaces it. An error
/// only the store can judge (an email already taken) goes when the text changes; saving asks
/// the core again.
fn recheck(errors: &mut HashMap<Field, String>, field: Field, value: &str) {
    if !errors.contains_key(&field) {
        return;
    }
    let verdict = match field {
        Field::Email => Email::parse(value).err(),
        Field::FullName => PersonName::parse(value).err(),
        Field::DisplayName => PersonName::parse_display(value).err(),
        Field::TeamName if !value.trim().is_empty() => TeamName::parse(value).err(),
        _ => None,
    };
    let problem = verdict.and_then(|e| e.field_problems().into_iter().find(|p| p.field == field));
    match problem {
        Some(p) => errors.insert(field, p.reason),
        None => errors.remove(&field),
    };
}

fn show_error(errors: &mut HashMap<Field, String>, general: &mut Option<String>, e: &Error) {
    errors.clear();
    *general = None;
    let problems = e.field_problems();
    if problems.is_empty() {
        *general = Some(e.to_string());
    }
    for p in problems {
        errors.insert(p.field, p.reason);
    }
}

fn advance<F: Copy + PartialEq>(focus: &mut F, order: &[F], step: isize) {
    let i = order.iter().position(|f| f == focus).unwrap_or(0) as isize;
    let n = order.len() as isize;
    *focus = order[((i + step).rem_euclid(n)) as usize];
}

/// Keys every form shares: Tab / Shift-Tab move, Ctrl-S saves, Esc closes.
fn common_keys<F: Copy + PartialEq>(
    key: &KeyEvent,
    focus: &mut F,
    order: &[F],
    save: F,
) -> Option<FormOutcome> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => Some(FormOutcome::Close),
        KeyCode::Char('s') if ctrl => Some(FormOutcome::Submit),
        KeyCode::Tab => {
            advance(focus, order, 1);
            Some(FormOutcome::Stay)
        }
        KeyCode::BackTab => {
            advance(focus, order, -1);
            Some(FormOutcome::Stay)
        }
        KeyCode::Enter if *focus == save => Some(FormOutcome::Submit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_text(form: &mut InviteForm, text: &str) {
        for c in text.chars() {
            form.handle(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    fn press(form: &mut InviteForm, code: KeyCode) -> FormOutcome {
        form.handle(&KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn display_name_follows_full_name_until_edited() {
        let mut f = InviteForm::new(&[]);
        press(&mut f, KeyCode::Tab);
        type_text(&mut f, "Ann Lee");
        assert_eq!(f.display_name.value(), "Ann Lee");
        press(&mut f, KeyCode::Tab);
        type_text(&mut f, "!");
        press(&mut f, KeyCode::BackTab);
        type_text(&mut f, "x");
        assert_eq!(f.display_name.value(), "Ann Lee!");
    }

    #[test]
    fn space_toggles_roles_and_ctrl_s_submits() {
        let mut f = InviteForm::new(&[]);
        type_text(&mut f, "a@b.co");
        for _ in 0..3 {
            press(&mut f, KeyCode::Tab);
        }
        assert_eq!(f.focus, InviteField::Roles);
        press(&mut f, KeyCode::Char(' ')); // Owner on
        assert_eq!(f.roles.checked(), vec![Role::Owner, Role::Agent]);
        let out = f.handle(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
        assert_eq!(out, FormOutcome::Submit);
        assert_eq!(f.request().email, "a@b.co");
    }

    #[test]
    fn errors_land_next_to_their_fields_and_keep_the_input() {
        let mut f = InviteForm::new(&[]);
        type_text(&mut f, "bad");
        f.show_error(&Error::invalid(Field::Email, "needs an @"));
        assert_eq!(
            f.errors.get(&Field::Email).map(String::as_str),
            Some("needs an @")
        );
        assert_eq!(f.email.value(), "bad");
        assert_eq!(f.focus, InviteField::Email);
        assert_eq!(press(&mut f, KeyCode::Esc), FormOutcome::Close);
        assert!(f.has_input());
    }

    #[test]
    fn a_fixed_field_loses_its_error_and_a_new_mistake_replaces_it() {
        let mut f = InviteForm::new(&[]);
        type_text(&mut f, "bad");
        f.show_error(&Error::invalid(Field::Email, "needs an @"));
        type_text(&mut f, "@");
        let still = f.errors.get(&Field::Email).cloned();
        assert!(still.is_some(), "still wrong: still shown");
        assert_ne!(
            still.as_deref(),
            Some("needs an @"),
            "the core's new verdict"
        );
        type_text(&mut f, "acme.io");
        assert_eq!(f.errors.get(&Field::Email), None, "fixed: the error goes");
    }

    #[test]
    fn a_pasted_line_break_stays_in_its_field() {
        let mut f = InviteForm::new(&[]);
        press(&mut f, KeyCode::Tab);
        f.paste("Line One\r\nLine Two\n");
        assert_eq!(f.full_name.value(), "Line One Line Two");
        assert_eq!(f.display_name.value(), "Line One Line Two");
        assert_eq!(f.focus, InviteField::FullName);
        let mut input = Input::new("ab".into()).with_cursor(1);
        assert!(paste_into(&mut input, "\tX"));
        assert_eq!((input.value(), input.cursor()), ("a Xb", 3));
    }

    #[test]
    fn an_existing_team_typed_as_new_is_ticked() {
        use crate::domain::{TeamName, WorkspaceId};
        let team = Team {
            id: TeamId::new(),
            workspace: WorkspaceId::new(),
            name: TeamName::parse("Billing").unwrap(),
            member_count: 3,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let mut f = InviteForm::new(std::slice::from_ref(&team));
        f.focus = InviteField::NewTeam;
        type_text(&mut f, " billing ");
        assert_eq!(press(&mut f, KeyCode::Enter), FormOutcome::Stay);
        assert_eq!(f.teams.checked(), vec![team.id]);
        assert_eq!(f.new_team.value(), "");
    }
}
