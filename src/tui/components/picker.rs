//! The pickers for a bulk change: the roles to give the marked users, or a team to add them to
//! or remove them from. Each line shows who already has it: `[x]` all of them, `[-]` some,
//! `[ ]` none, with a count.

use super::{Action, Component, ConfirmAction, Ctx, EventState, Queue};
use crate::domain::{Role, Team, TeamId, User, UserId};
use crate::service::BulkChange;
use crate::text::safe;
use crate::tui::keys::dialogs::{change, hint};
use crate::tui::keys::{Dialog, DialogKey as K, Hint, HintSpec};
use crate::tui::theme::Theme;
use crate::tui::widgets::{CheckList, centered, hint_line, popup, team_list};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// How many of the targets have something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub have: usize,
    pub of: usize,
}

impl Membership {
    /// `[x]` all, `[-]` some, `[ ]` none.
    pub fn mark(self) -> &'static str {
        match self.have {
            0 => "[ ]",
            n if n == self.of => "[x]",
            _ => "[-]",
        }
    }

    pub fn is_mixed(self) -> bool {
        self.have > 0 && self.have < self.of
    }

    pub fn label(self) -> String {
        match (self.have, self.of) {
            (_, 1) => String::new(),
            (0, _) => "none of them".into(),
            (h, o) if h == o => format!("all {o}"),
            (h, o) => format!("{h} of {o}"),
        }
    }
}

/// A role's state in the picker: the same for everyone, or left as it is for each (`[-]`, only
/// where the targets differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    On,
    Off,
    Mixed,
}

#[derive(Debug, Clone)]
pub struct RolesPicker {
    pub ids: Vec<UserId>,
    pub cursor: usize,
    /// Per role (in `Role::ALL` order): what will be set, and who has it now.
    pub roles: Vec<(Role, Tick, Membership)>,
    pub error: Option<String>,
}

pub const ROLE_BINDINGS: &[HintSpec] = &[
    hint(&[K::Up, K::Down], "↑↓ j k", "move"),
    hint(&[K::PickerToggle], "Space", "toggle"),
    change(&[K::RolesContinue], "Enter", "continue"),
    hint(&[K::PickerCancel], "Esc", "cancel"),
];

impl RolesPicker {
    pub fn new(targets: &[&User]) -> Self {
        let of = targets.len();
        let roles = Role::ALL
            .iter()
            .map(|&r| {
                let have = targets.iter().filter(|u| u.roles.contains(r)).count();
                let m = Membership { have, of };
                let tick = match have {
                    0 => Tick::Off,
                    n if n == of => Tick::On,
                    _ => Tick::Mixed,
                };
                (r, tick, m)
            })
            .collect();
        RolesPicker {
            ids: targets.iter().map(|u| u.id).collect(),
            cursor: 0,
            roles,
            error: None,
        }
    }

    /// The change to ask for. With no `[-]` left, exactly the roles ticked; with rows left
    /// as they are (`[-]`), only the rows the admin changed: roles added and removed, each
    /// user keeping the rest.
    pub fn chosen(&self) -> Result<BulkChange, String> {
        let ticked = |tick: Tick| -> Vec<Role> {
            self.roles
                .iter()
                .filter(|(_, t, _)| *t == tick)
                .map(|(r, _, _)| *r)
                .collect()
        };
        if ticked(Tick::Mixed).is_empty() {
            return Ok(BulkChange::SetRoles {
                roles: ticked(Tick::On),
            });
        }
        let changed = |tick: Tick, was: fn(Membership) -> bool| -> Vec<Role> {
            self.roles
                .iter()
                .filter(|(_, t, m)| *t == tick && !was(*m))
                .map(|(r, _, _)| *r)
                .collect()
        };
        let add = changed(Tick::On, |m| m.have == m.of);
        let remove = changed(Tick::Off, |m| m.have == 0);
        if add.is_empty() && remove.is_empty() {
            return Err(
                "nothing changed: Space ticks a role for all of them or for none, then Enter"
                    .into(),
            );
        }
        Ok(BulkChange::ChangeRoles { add, remove })
    }
}

impl Component for RolesPicker {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        let n = self.roles.len();
        match cx.keymap.dialog(Dialog::Roles, key) {
            Some(K::PickerCancel) => out.push(Action::Close),
            Some(K::RolesContinue) => match self.chosen() {
                Ok(change) => {
                    out.push(Action::Close);
                    out.push(Action::Ask(ConfirmAction::Bulk {
                        change,
                        ids: self.ids.clone(),
                        seen: Default::default(),
                    }));
                }
                Err(e) => self.error = Some(e),
            },
            Some(K::PickerToggle) => {
                if let Some((_, tick, m)) = self.roles.get_mut(self.cursor) {
                    // On → Off → (as it is, where they differ) → On.
                    *tick = match (*tick, m.is_mixed()) {
                        (Tick::On, _) => Tick::Off,
                        (Tick::Off, true) => Tick::Mixed,
                        _ => Tick::On,
                    };
                    self.error = None;
                }
            }
            command => return move_cursor(command, &mut self.cursor, n).into(),
        }
        EventState::Consumed
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        super::shown(cx.keymap.dialog_hints(ROLE_BINDINGS), cx)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let mut lines = vec![
            Line::styled(
                format!(
                    "Roles for {} — [x] all have it, [-] some, [ ] none",
                    users(self.ids.len())
                ),
                theme.dim(),
            ),
            Line::raw(""),
        ];
        for (i, (role, tick, m)) in self.roles.iter().enumerate() {
            let mark = match tick {
                Tick::On => "[x]",
                Tick::Off => "[ ]",
                Tick::Mixed => "[-]",
            };
            lines.push(item_line(
                i == self.cursor,
                format!("{mark} {:<12}", role.label()),
                m.label(),
                theme,
            ));
        }
        if let Some(e) = &self.error {
            lines.push(Line::raw(""));
            lines.push(Line::styled(format!("✗ {}", safe(e)), theme.error()));
        }
        lines.push(Line::raw(""));
        lines.push(hint_line(&self.bindings(cx), theme));
        draw_box(frame, area, "Set roles", lines, theme);
    }
}

#[derive(Debug, Clone)]
pub struct TeamPicker {
    pub ids: Vec<UserId>,
    pub list: CheckList<TeamId>,
    /// Per team (the list's order): how many of the targets are in it.
    pub members: Vec<Membership>,
}

pub const TEAM_BINDINGS: &[HintSpec] = &[
    hint(&[K::Up, K::Down], "↑↓ j k", "move"),
    change(&[K::PickerToggle], "Space", "toggle"),
    change(&[K::TeamAdd], "Enter", "add"),
    change(&[K::TeamRemove], "x", "remove"),
    hint(&[K::PickerCancel], "Esc", "cancel"),
];

impl TeamPicker {
    pub fn new(targets: &[&User], teams: &[Team]) -> Self {
        let of = targets.len();
        let members = teams
            .iter()
            .map(|t| Membership {
                have: targets.iter().filter(|u| u.teams.contains(&t.id)).count(),
                of,
            })
            .collect();
        TeamPicker {
            ids: targets.iter().map(|u| u.id).collect(),
            list: team_list(teams, &Default::default()),
            members,
        }
    }
}

impl Component for TeamPicker {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        let command = cx.keymap.dialog(Dialog::Team, key);
        match command {
            Some(K::PickerCancel) => out.push(Action::Close),
            Some(K::TeamAdd | K::TeamRemove | K::PickerToggle) => {
                let Some(&(team, _, _)) = self.list.items.get(self.list.cursor) else {
                    return EventState::Consumed;
                };
                // Space as in the roles picker: the team for all of them, or for none.
                let all_in = self
                    .members
                    .get(self.list.cursor)
                    .is_some_and(|m| m.have == m.of);
                let add = match command {
                    Some(K::TeamAdd) => true,
                    Some(K::TeamRemove) => false,
                    _ => !all_in,
                };
                let change = if add {
                    BulkChange::AddTeam { team }
                } else {
                    BulkChange::RemoveTeam { team }
                };
                out.push(Action::Close);
                out.push(Action::Ask(ConfirmAction::Bulk {
                    change,
                    ids: self.ids.clone(),
                    seen: Default::default(),
                }));
            }
            command => {
                let n = self.list.items.len();
                return move_cursor(command, &mut self.list.cursor, n).into();
            }
        }
        EventState::Consumed
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        super::shown(cx.keymap.dialog_hints(TEAM_BINDINGS), cx)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let mut lines = vec![
            Line::styled(
                format!(
                    "{} — [x] all in the team, [-] some, [ ] none",
                    users(self.ids.len())
                ),
                theme.dim(),
            ),
            Line::raw(""),
        ];
        for (i, ((_, label, _), m)) in self.list.items.iter().zip(&self.members).enumerate() {
            lines.push(item_line(
                i == self.list.cursor,
                format!("{} {:<30}", m.mark(), safe(label)),
                m.label(),
                theme,
            ));
        }
        lines.push(Line::raw(""));
        lines.push(hint_line(&self.bindings(cx), theme));
        draw_box(frame, area, "Team", lines, theme);
    }
}

/// j/k and arrows move, g/G and Home/End jump; whether the key was one of them.
fn move_cursor(command: Option<K>, cursor: &mut usize, n: usize) -> bool {
    match command {
        Some(K::Up) => *cursor = cursor.saturating_sub(1),
        Some(K::Down) => *cursor = (*cursor + 1).min(n.saturating_sub(1)),
        Some(K::Top) => *cursor = 0,
        Some(K::Bottom) => *cursor = n.saturating_sub(1),
        _ => return false,
    }
    true
}

fn item_line(here: bool, item: String, count: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::raw(if here { "▶ " } else { "  " }),
        Span::styled(item, if here { theme.focus() } else { theme.plain() }),
        Span::styled(format!("  {count}"), theme.dim()),
    ])
}

fn draw_box(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, theme: &Theme) {
    let rect = centered(area, 80, lines.len() as u16 + 2);
    let (inner, block) = popup(frame, rect, title, theme);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "1 user", "3 users".
fn users(n: usize) -> String {
    if n == 1 {
        "1 user".into()
    } else {
        format!("{n} users")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_marks_all_some_none() {
        let m = |have| Membership { have, of: 5 };
        assert_eq!(m(5).mark(), "[x]");
        assert_eq!(m(2).mark(), "[-]");
        assert_eq!(m(0).mark(), "[ ]");
        assert_eq!(m(2).label(), "2 of 5");
        assert_eq!(m(5).label(), "all 5");
        assert_eq!(Membership { have: 1, of: 1 }.label(), "");
    }
}
