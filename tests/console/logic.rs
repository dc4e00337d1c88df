//! Key handling and what each action asks the service, end to end through the real core.

use crate::harness::*;
use atender_admin::Error;
use atender_admin::client::ClientError;
use atender_admin::domain::Refusal;
use atender_admin::domain::{Role, UserStatus};
use atender_admin::service::{AdminApi, BulkChange, UserPatch};
use atender_admin::tui::components::{
    Confirm, ConfirmAction, Detail, EditForm, Help, InviteForm, Links, LogView, RolesPicker,
    TeamsView,
};
use atender_admin::tui::model::{PutBack, Tab};
use crossterm::event::KeyCode;

#[tokio::test]
async fn tabs_switch_with_numbers_and_tab_keys() {
    let mut h = Harness::demo().await;
    assert_eq!(h.app.tab(), Tab::Active);
    h.key(KeyCode::Char('3'));
    assert_eq!(h.app.tab(), Tab::Pending);
    assert_eq!(h.app.view().rows.len(), 12);
    h.key(KeyCode::Tab);
    assert_eq!(h.app.tab(), Tab::Active);
    h.key(KeyCode::BackTab);
    assert_eq!(h.app.tab(), Tab::Pending);
    h.key(KeyCode::Char('2'));
    assert_eq!(h.app.view().rows.len(), 20);
}

#[tokio::test]
async fn the_filter_matches_names_emails_roles_and_teams_as_you_type() {
    let mut h = Harness::demo().await;
    let all = h.app.view().rows.len();
    h.key(KeyCode::Char('/'));
    h.keys("night shift");
    let shown = h.app.view().rows.len();
    assert!(shown > 0 && shown < all);
    let data = h.app.data().unwrap();
    for &i in &h.app.view().rows {
        assert!(data.teams_of(&data.users[i]).contains(&"Night Shift"));
    }
    h.key(KeyCode::Enter);
    assert!(!h.app.filter_focused());
    assert_eq!(
        h.app.filter().value(),
        "night shift",
        "Enter keeps the filter"
    );
    // keys act on the table again, not the filter
    h.key(KeyCode::Char('j'));
    assert_eq!(h.app.view().cursor, 1);
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.filter().value(), "");
    assert_eq!(h.app.view().rows.len(), all);
    // roles and emails, any case
    h.key(KeyCode::Char('/'));
    h.keys("SUPERVISOR");
    assert!(h.app.view().rows.len() >= 10);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('/'));
    h.keys("JULIA.BAUER@");
    assert_eq!(h.app.view().rows.len(), 1);
}

#[tokio::test]
async fn marks_follow_users_through_filtering_sorting_and_reloads() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    let marked: Vec<String> = h
        .app
        .marked_in_tab()
        .iter()
        .map(|u| u.email.to_string())
        .collect();
    assert_eq!(marked.len(), 2);
    assert_eq!(h.app.view().cursor, 2, "Space moves down");
    h.key(KeyCode::Char('s'));
    h.key(KeyCode::Char('S'));
    h.key(KeyCode::Char('/'));
    h.keys("zzz-nothing");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.view().rows.len(), 0);
    h.ctrl('r');
    h.settle().await;
    let again: Vec<String> = h
        .app
        .marked_in_tab()
        .iter()
        .map(|u| u.email.to_string())
        .collect();
    assert_eq!(again.len(), 2);
    assert!(marked.iter().all(|m| again.contains(m)));
    assert_eq!(
        h.app.hidden_by_filter(
            &h.app
                .marked_in_tab()
                .iter()
                .map(|u| u.id)
                .collect::<Vec<_>>()
        ),
        2
    );
    h.key(KeyCode::Esc); // backs out of the filter; marks, hidden ones too, stay
    assert_eq!(h.app.filter().value(), "");
    assert_eq!(h.app.marks().len(), 2);
    h.key(KeyCode::Esc); // nothing left to back out of: still the marks stay
    assert_eq!(h.app.marks().len(), 2);
    assert!(h.app.last_notice().unwrap().text.contains("c clears"));
    let before = h.app.marks().clone();
    h.key(KeyCode::Char('c')); // clearing is its own key…
    assert!(h.app.marks().is_empty());
    h.key(KeyCode::Char('u')); // …with an undo
    assert_eq!(h.app.marks(), &before);
    h.key(KeyCode::Char('u'));
    assert_eq!(h.app.last_notice().unwrap().text, "nothing to undo");
    h.key(KeyCode::Char('c'));
    h.key(KeyCode::Char('a'));
    assert_eq!(h.app.marked_in_tab().len(), h.app.view().rows.len());
}

#[tokio::test]
async fn bulk_deactivation_asks_first_previews_and_reports_per_user() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('/'));
    h.keys("billing");
    h.key(KeyCode::Enter);
    for _ in 0..4 {
        h.key(KeyCode::Char(' '));
    }
    let targets: Vec<String> = h
        .app
        .marked_in_tab()
        .iter()
        .map(|u| u.email.to_string())
        .collect();
    // one more, hidden by the filter afterwards
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    h.press(KeyCode::Char('d')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("no confirmation")
    };
    assert_eq!(c.title, "Deactivate 4 users?");
    assert!(c.lines[0].ends_with("… and 1 more"), "{:?}", c.lines);
    assert!(!c.yes, "defaults to No");
    let preview = c.preview.as_ref().expect("dry run answered");
    assert!(preview.iter().all(|o| o.is_done()));
    // Enter on No changes nothing
    h.press(KeyCode::Enter).await;
    assert!(h.app.layers().is_empty());
    assert!(
        targets
            .iter()
            .all(|e| h.user(e).status == UserStatus::Active)
    );
    // now with the filter hiding some of them
    h.key(KeyCode::Char('/'));
    h.keys("zzz");
    h.key(KeyCode::Enter);
    h.press(KeyCode::Char('d')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    assert!(
        c.lines
            .iter()
            .any(|l| l == "4 of them hidden by the filter"),
        "{:?}",
        c.lines
    );
    h.press(KeyCode::Char('y')).await;
    for e in &targets {
        assert_eq!(h.user(e).status, UserStatus::Inactive, "{e}");
    }
    assert_eq!(h.app.last_notice().unwrap().text, "4 deactivated");
    assert!(h.app.marks().is_empty(), "marks leave the done rows");
    // they are on the Inactive tab, and u undoes exactly them
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('2'));
    assert_eq!(h.app.view().rows.len(), 24);
    h.press(KeyCode::Char('u')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    let ConfirmAction::Undo(step) = &c.action else {
        panic!("{:?}", c.action)
    };
    let PutBack::Bulk(changes) = &step.put_back else {
        panic!("{step:?}")
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].0, BulkChange::Reactivate);
    let mut ids = step.ids();
    ids.sort();
    let mut expected: Vec<_> = targets.iter().map(|e| h.user(e).id).collect();
    expected.sort();
    assert_eq!(ids, expected, "exactly the users it changed");
    h.press(KeyCode::Char('y')).await;
    assert!(
        targets
            .iter()
            .all(|e| h.user(e).status == UserStatus::Active)
    );
    assert_eq!(h.app.view().rows.len(), 20);
    // the undo is spent: u says so instead of offering to undo the undo
    h.press(KeyCode::Char('u')).await;
    assert!(h.app.layers().is_empty(), "{:?}", h.app.layers());
    assert_eq!(h.app.last_notice().unwrap().text, "nothing to undo");
}

#[tokio::test]
async fn refusals_are_previewed_and_refused_rows_stay_marked() {
    let mut h = Harness::demo().await;
    let owner = h.owner.email.to_string();
    h.key(KeyCode::Char('/'));
    h.keys(&owner);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Esc); // the filter goes, the mark stays
    // the owner plus one agent
    h.key(KeyCode::Char('G'));
    h.key(KeyCode::Char(' '));
    assert_eq!(h.app.marked_in_tab().len(), 2);
    h.press(KeyCode::Char('d')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    let refused: Vec<String> = c
        .preview
        .as_ref()
        .unwrap()
        .iter()
        .filter_map(|o| o.refusal())
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        refused,
        vec!["you can't deactivate your own account: ask another admin".to_string()]
    );
    h.press(KeyCode::Char('y')).await;
    let notice = h.app.last_notice().cloned().unwrap();
    assert_eq!(
        notice.text,
        format!(
            "1 deactivated; 1 refused: {} ({}@…): you can't deactivate your own account: ask another admin",
            h.owner.display_name,
            owner.split('@').next().unwrap()
        )
    );
    assert!(notice.error);
    let still: Vec<String> = h
        .app
        .marked_in_tab()
        .iter()
        .map(|u| u.email.to_string())
        .collect();
    assert_eq!(still, vec![owner.clone()], "the refused row keeps its mark");
    assert_eq!(h.user(&owner).status, UserStatus::Active);
}

#[tokio::test]
async fn an_admin_cannot_deactivate_the_owner_and_reads_why() {
    let mut h = Harness::demo().await;
    let admin = h.core.store_users_with_role(h.ws.id, Role::Admin)[0].clone();
    h.act_as(&admin);
    h.key(KeyCode::Char('/'));
    let owner = h.owner.email.to_string();
    h.keys(&owner);
    h.key(KeyCode::Enter);
    h.press(KeyCode::Char('d')).await;
    h.press(KeyCode::Char('y')).await;
    assert_eq!(
        h.app.last_notice().unwrap().text,
        format!(
            "0 deactivated; 1 refused: {} ({}@…): only an Owner can deactivate an Owner",
            h.owner.display_name,
            owner.split('@').next().unwrap()
        )
    );
}

trait Users {
    fn store_users_with_role(
        &self,
        ws: atender_admin::domain::WorkspaceId,
        role: Role,
    ) -> Vec<atender_admin::domain::User>;
}

impl Users for atender_admin::service::Core<atender_admin::store::SledStore> {
    fn store_users_with_role(
        &self,
        ws: atender_admin::domain::WorkspaceId,
        role: Role,
    ) -> Vec<atender_admin::domain::User> {
        use atender_admin::store::Store;
        self.store()
            .users(ws)
            .unwrap()
            .into_iter()
            .filter(|u| u.roles.contains(role) && u.status == UserStatus::Active)
            .collect()
    }
}

#[tokio::test]
async fn inviting_through_the_form_shows_the_link_once_and_lands_on_pending() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('i'));
    h.keys("New.Person@Acme.io");
    h.key(KeyCode::Tab);
    h.keys("New Person");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char(' ')); // Owner on
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.key(KeyCode::Char(' ')); // Supervisor on
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char(' ')); // first team
    h.ctrl('s');
    h.settle().await;
    let Some(links) = h.app.layers().top::<Links>().cloned() else {
        panic!("{:?}", h.app.last_notice())
    };
    let [(email, link)] = links.items.as_slice() else {
        panic!("{links:?}")
    };
    assert_eq!(email, "new.person@acme.io");
    assert!(link.starts_with("https://atender.example/accept?token="));
    let u = h.user("new.person@acme.io");
    assert_eq!(u.status, UserStatus::Invited);
    assert_eq!(u.roles.to_string(), "Owner, Supervisor, Agent");
    assert_eq!(u.teams.len(), 1);
    // the link works, once
    let token = link.split("token=").nth(1).unwrap();
    h.core.check_invite_token(token).await.unwrap();
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('3'));
    assert_eq!(h.app.view().rows.len(), 13);
    h.key(KeyCode::Char('s')); // sort by expiry
    h.key(KeyCode::Char('S'));
    h.key(KeyCode::Char('g')); // the cursor followed its user through the re-sort
    for _ in 0..13 {
        if h.current_email() == "new.person@acme.io" {
            break;
        }
        h.key(KeyCode::Char('j'));
    }
    assert_eq!(h.current_email(), "new.person@acme.io");
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.pending_clipboard(), Some(link.as_str()));
    // what was done, not what can't be known
    let notice = h.app.last_notice().cloned().unwrap();
    assert_eq!(
        notice.text,
        "sent to the terminal's clipboard (OSC 52): the invite link of new.person@acme.io"
    );
    assert!(!notice.error);
    // under tmux 3.3's defaults it is still sent, and the admin is told how to let it through
    use atender_admin::tui::clipboard::{Answer, Route, TmuxOptions};
    h.app.take_clipboard();
    h.app.set_clipboard_route(Route::Tmux(TmuxOptions {
        allow_passthrough: Answer::Value("off".into()),
        set_clipboard: Answer::Value("external".into()),
    }));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.pending_clipboard(), Some(link.as_str()));
    let notice = h.app.last_notice().cloned().unwrap();
    assert!(notice.error);
    assert!(
        notice.text.contains("tmux set -g set-clipboard on"),
        "{}",
        notice.text
    );
    // an invite whose link was never seen here can't be copied, and says what to do
    h.key(KeyCode::Char('g'));
    if h.current_email() == "new.person@acme.io" {
        h.key(KeyCode::Char('j'));
    }
    h.app.take_clipboard();
    h.key(KeyCode::Char('y'));
    assert!(h.app.pending_clipboard().is_none());
    assert!(
        h.app
            .last_notice()
            .unwrap()
            .text
            .contains("R sends a new one")
    );
}

#[tokio::test]
async fn form_errors_come_from_the_core_and_keep_what_was_typed() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('i'));
    h.keys("not-an-email");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char(' ')); // Owner on …
    h.key(KeyCode::Right);
    h.key(KeyCode::Right);
    h.key(KeyCode::Right);
    h.key(KeyCode::Char(' ')); // … Agent off
    h.key(KeyCode::Left);
    h.key(KeyCode::Left);
    h.key(KeyCode::Left);
    h.key(KeyCode::Char(' ')); // Owner off: no role
    h.ctrl('s');
    h.settle().await;
    let Some(f) = h.app.layers().top::<InviteForm>() else {
        panic!()
    };
    use atender_admin::domain::Field;
    assert!(f.errors.contains_key(&Field::Email));
    assert!(f.errors.contains_key(&Field::FullName));
    assert_eq!(
        f.errors.get(&Field::Roles).map(String::as_str),
        Some("choose at least one role")
    );
    assert_eq!(f.email.value(), "not-an-email");
    // a duplicate email is refused next to the email field
    let taken = h.owner.email.to_string();
    let mut f = f.clone();
    f.email = tui_input::Input::new(taken);
    f.full_name = tui_input::Input::new("Someone".into());
    f.roles.set(Role::Agent, true);
    *h.app.top_mut::<InviteForm>().unwrap() = f;
    h.ctrl('s');
    h.settle().await;
    let Some(f) = h.app.layers().top::<InviteForm>() else {
        panic!()
    };
    assert!(
        f.errors
            .get(&Field::Email)
            .unwrap()
            .contains("already belongs"),
        "{:?}",
        f.errors
    );
    assert_eq!(f.full_name.value(), "Someone");
}

#[tokio::test]
async fn leaving_a_form_with_input_asks_first() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('i'));
    h.keys("a@b.co");
    h.key(KeyCode::Esc);
    assert!(
        h.app
            .layers()
            .top::<Confirm>()
            .is_some_and(|c| c.action == ConfirmAction::DiscardForm)
    );
    h.key(KeyCode::Char('n'));
    assert!(
        h.app
            .layers()
            .top::<InviteForm>()
            .is_some_and(|f| f.email.value() == "a@b.co")
    );
    h.ctrl('c');
    assert!(!h.app.quit_requested(), "quitting with input asks first");
    assert!(
        h.app
            .layers()
            .top::<Confirm>()
            .is_some_and(|c| c.action == ConfirmAction::Quit)
    );
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('y'));
    assert!(h.app.layers().is_empty());
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit_requested());
}

#[tokio::test]
async fn editing_saves_and_a_conflict_offers_to_reload() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('j'));
    let target = h.current_email();
    h.key(KeyCode::Char('e'));
    // someone else changes the user meanwhile
    let u = h.user(&target);
    h.api
        .update_user(
            u.id,
            u.version,
            UserPatch {
                beta: Some(!u.beta),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    h.ctrl('u'); // nothing: Ctrl-U is not a form key
    for _ in 0..20 {
        h.key(KeyCode::Backspace);
    }
    h.keys("Renamed Person");
    h.ctrl('s');
    h.settle().await;
    let Some(f) = h.app.layers().top::<EditForm>() else {
        panic!()
    };
    assert!(f.conflict);
    assert!(
        f.error
            .as_ref()
            .unwrap()
            .contains("changed by someone else since you opened it")
    );
    assert_eq!(f.full_name.value(), "Renamed Person", "typed text is kept");
    h.ctrl('r');
    h.settle().await;
    let Some(f) = h.app.layers().top::<EditForm>() else {
        panic!()
    };
    assert_eq!(f.full_name.value(), "Renamed Person");
    assert_eq!(f.beta, !u.beta, "their change is loaded");
    h.ctrl('s');
    h.settle().await;
    assert!(h.app.layers().is_empty(), "{:?}", h.app.last_notice());
    let saved = h.user(&target);
    assert_eq!(saved.full_name.as_str(), "Renamed Person");
    assert_eq!(saved.beta, !u.beta);
}

#[tokio::test]
async fn deleting_asks_for_the_email() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('G'));
    let target = h.current_email();
    h.key(KeyCode::Char('D'));
    h.keys("wrong@example.com");
    h.press(KeyCode::Enter).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    let typed = c.typed.as_ref().unwrap();
    assert!(
        typed
            .error
            .as_ref()
            .unwrap()
            .contains("type the user's email exactly"),
        "{:?}",
        typed.error
    );
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    h.type_keys(&target.to_uppercase()).await;
    h.press(KeyCode::Enter).await;
    assert!(h.app.layers().is_empty());
    assert!(h.app.last_notice().unwrap().text.starts_with("deleted"));
    assert!(
        h.app
            .data()
            .unwrap()
            .users
            .iter()
            .all(|u| u.email.as_str() != target)
    );
}

#[tokio::test]
async fn pending_invites_can_be_resent_and_cancelled() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('3'));
    let first = h.current_email();
    h.press(KeyCode::Char('R')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("earlier links stop working"))
    );
    h.press(KeyCode::Char('y')).await;
    let Some(links) = h.app.layers().top::<Links>() else {
        panic!("{:?}", h.app.last_notice())
    };
    assert_eq!(links.items[0].0, first);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    h.press(KeyCode::Char('x')).await;
    h.press(KeyCode::Char('y')).await;
    assert_eq!(h.app.last_notice().unwrap().text, "2 cancelled");
    assert_eq!(h.app.view().rows.len(), 10);
}

#[tokio::test]
async fn the_detail_pane_answers_why_a_user_cannot_get_in() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('2'));
    h.press(KeyCode::Enter).await;
    let Some(Detail {
        detail: Some(d), ..
    }) = h.app.layers().top::<Detail>()
    else {
        panic!()
    };
    let data = h.app.data().unwrap();
    let email_of = |id| data.user(id).map(|u| u.email.to_string());
    let line = atender_admin::tui::components::detail::access_line(
        &d.access,
        NOW,
        email_of,
        h.app.keymap(),
        false,
    );
    assert!(line.starts_with("no — deactivated by "), "{line}");
    assert!(
        line.ends_with("press r on the Inactive tab to reactivate"),
        "{line}"
    );
    // The keys named are the ones in force: keys.toml may have moved them.
    let moved = atender_admin::tui::keys::Keymap::parse("reactivate = \"A\"").unwrap();
    let line = atender_admin::tui::components::detail::access_line(
        &d.access, NOW, email_of, &moved, false,
    );
    assert!(
        line.ends_with("press A on the Inactive tab to reactivate"),
        "{line}"
    );
    // Read-only, no key that would be refused is named.
    let line =
        atender_admin::tui::components::detail::access_line(&d.access, NOW, email_of, &moved, true);
    assert!(
        line.ends_with("an admin with changes on can reactivate them"),
        "{line}"
    );
    assert!(!d.recent_events.is_empty());
}

#[tokio::test]
async fn the_activity_log_lists_newest_first() {
    let mut h = Harness::demo().await;
    h.press(KeyCode::Char('b')).await; // beta toggle on the first row: a fresh event
    h.press(KeyCode::Char('L')).await;
    let Some(log) = h.app.layers().top::<LogView>() else {
        panic!()
    };
    assert_eq!(log.events.len(), 200);
    assert!(log.next.is_some());
    assert_eq!(
        log.events[0].action,
        atender_admin::domain::AuditAction::BetaChanged
    );
    for _ in 0..190 {
        h.key(KeyCode::Down);
    }
    h.settle().await;
    let Some(log) = h.app.layers().top::<LogView>() else {
        panic!()
    };
    assert!(
        log.events.len() > 200,
        "scrolling near the end loads the next page"
    );
    assert!(log.events.windows(2).all(|w| w[0].id > w[1].id));
}

#[tokio::test]
async fn a_too_small_terminal_only_lets_you_quit() {
    let mut h = Harness::demo().await;
    h.app.on_resize(79, 30);
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('i'));
    assert_eq!(h.app.tab(), Tab::Active);
    assert!(h.app.layers().is_empty());
    h.app.on_resize(80, 24);
    h.key(KeyCode::Char('3'));
    assert_eq!(h.app.tab(), Tab::Pending);
    h.app.on_resize(100, 10);
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit_requested());
}

#[tokio::test]
async fn a_new_bulk_job_does_not_show_the_last_one_s_result() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char(' '));
    h.press(KeyCode::Char('b')).await;
    let first = h.app.last_notice().cloned().expect("the first job reports");
    h.key(KeyCode::Char('b'));
    assert!(h.app.in_flight() > 0, "the second job is under way");
    assert!(
        h.app.last_notice().is_none(),
        "still showing {:?} while the next job runs",
        first.text
    );
    h.settle().await;
    assert!(h.app.last_notice().is_some(), "the second job reports");
}

#[tokio::test]
async fn beta_toggles_for_the_marked_users() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    let ids: Vec<_> = h
        .app
        .marked_in_tab()
        .iter()
        .map(|u| (u.email.to_string(), u.beta))
        .collect();
    h.press(KeyCode::Char('b')).await;
    let all_on = ids.iter().all(|(_, b)| *b);
    for (e, _) in &ids {
        assert_eq!(h.user(e).beta, !all_on);
    }
}

#[tokio::test]
async fn reloading_keeps_the_cursor_on_its_user() {
    let mut h = Harness::demo().await;
    for _ in 0..5 {
        h.key(KeyCode::Char('j'));
    }
    let before = h.current_email();
    // a user sorted before the cursor disappears
    h.key(KeyCode::Char('g'));
    let first = h.app.current_user().unwrap().id;
    h.api.delete_user(first).await.unwrap();
    for _ in 0..5 {
        h.key(KeyCode::Char('j'));
    }
    assert_eq!(h.current_email(), before);
    h.ctrl('r');
    h.settle().await;
    assert_eq!(h.current_email(), before);
}

#[tokio::test]
async fn connected_mode_shows_disconnection_and_recovers() {
    use atender_admin::tui::model::{Connection, ServerContext};
    let mut h = Harness::demo().await;
    h.app.context_mut().server = Some(ServerContext {
        url: "http://127.0.0.1:9".into(),
        workspace: "demo".into(),
        email: "x@y.io".into(),
    });
    h.app.reload();
    h.settle().await;
    assert_eq!(h.app.connection(), &Connection::Online);
    let unreachable = Error::Client(ClientError::Unreachable {
        url: "http://127.0.0.1:9".into(),
        detail: "refused".into(),
    });
    h.app.reload();
    h.answer_queued(|_| Err(unreachable.clone()));
    assert!(
        matches!(h.app.connection(), Connection::Disconnected { .. }),
        "{:?}",
        h.app.connection()
    );
    assert!(h.screen().contains("disconnected — retrying"));
    // the data stays on screen, and the next successful load reconnects
    assert!(h.screen().contains("Active (218)"));
    h.app.reload();
    h.settle().await;
    assert_eq!(h.app.connection(), &Connection::Online);
    assert_eq!(h.app.last_notice().unwrap().text, "reconnected");
}

#[tokio::test]
async fn a_lost_session_asks_to_sign_in_and_returns_to_the_open_form() {
    use atender_admin::tui::components::SignInForm;
    use atender_admin::tui::effects::{Connected, Effect, Msg, Reply};
    use atender_admin::tui::model::ServerContext;
    let mut h = Harness::demo().await;
    h.app.context_mut().server = Some(ServerContext {
        url: "http://127.0.0.1:9".into(),
        workspace: "demo-support-co".into(),
        email: "x@y.io".into(),
    });
    h.key(KeyCode::Char('i'));
    h.keys("kept@acme.io");
    h.app.reload();
    h.answer_queued(|_| Err(Error::Refused(Refusal::Unauthenticated)));
    let Some(form) = h.app.layers().top::<SignInForm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert_eq!(form.workspace.value(), "demo-support-co");
    assert!(
        form.message
            .as_ref()
            .unwrap()
            .contains("your session has ended")
    );
    // typing goes to the sign-in screen, masked on screen
    h.keys("secret-pw");
    assert!(!h.screen().contains("secret-pw"));
    h.key(KeyCode::Enter);
    let effects = h.app.take_effects();
    let [(id, Effect::SignIn { .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let id = *id;
    assert!(
        !format!("{effects:?}").contains("secret-pw"),
        "the password never reaches debug output"
    );
    let connected = Connected {
        api: std::sync::Arc::new(h.api.clone()),
        user: h.owner.clone(),
        workspace: h.ws.clone(),
    };
    h.app.on_msg(Msg::Answer {
        id,
        result: Ok(Reply::SignedIn(connected)),
    });
    h.settle().await;
    let Some(f) = h.app.layers().top::<InviteForm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert_eq!(
        f.email.value(),
        "kept@acme.io",
        "back where the admin was, form content included"
    );
}

#[tokio::test]
async fn connected_mode_refreshes_on_schedule_keeping_cursor_and_marks() {
    use atender_admin::tui::effects::Effect;
    use atender_admin::tui::model::ServerContext;
    let mut h = Harness::demo().await;
    h.app.context_mut().server = Some(ServerContext::default());
    h.app.context_mut().refresh_every = Some(time::Duration::seconds(30));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('j'));
    let (cursor, marks) = (h.current_email(), h.app.marks().clone());
    // not yet due
    h.app.set_last_load(time::OffsetDateTime::now_utc());
    h.app.on_tick();
    assert!(h.app.take_effects().is_empty());
    // due: a reload is asked for, and it keeps the cursor and the marks
    h.app
        .set_last_load(time::OffsetDateTime::now_utc() - time::Duration::seconds(31));
    h.app.on_tick();
    let effects = h.app.take_effects();
    assert!(
        matches!(effects.as_slice(), [(_, Effect::Load { .. })]),
        "{effects:?}"
    );
    for (id, e) in effects {
        let msg = atender_admin::tui::effects::answer(&h.api, id, e).await;
        h.app.on_msg(msg);
    }
    assert_eq!(h.current_email(), cursor);
    assert_eq!(h.app.marks(), &marks);
    // offline, nothing reloads by itself
    h.app.context_mut().server = None;
    h.app
        .set_last_load(time::OffsetDateTime::now_utc() - time::Duration::seconds(3600));
    h.app.on_tick();
    assert!(h.app.take_effects().is_empty());
}

#[tokio::test]
async fn a_change_with_a_lost_answer_is_re_read_not_re_sent() {
    use atender_admin::tui::effects::Effect;
    use atender_admin::tui::model::ServerContext;
    let mut h = Harness::demo().await;
    h.app.context_mut().server = Some(ServerContext::default());
    let lost = Error::Client(ClientError::OutcomeUnknown {
        url: "http://x".into(),
        detail: "timed out".into(),
    });
    h.press(KeyCode::Char('d')).await;
    h.key(KeyCode::Char('y'));
    let asked = h.answer_queued(|_| Err(lost.clone()));
    assert!(
        matches!(asked.as_slice(), [Effect::Bulk { .. }]),
        "{asked:?}"
    );
    let effects = h.app.take_effects();
    assert!(
        matches!(effects.as_slice(), [(_, Effect::Load { .. })]),
        "{effects:?}"
    );
    assert!(
        h.app
            .last_notice()
            .unwrap()
            .text
            .contains("may or may not have been made")
    );
}

#[tokio::test]
async fn roles_and_teams_change_in_bulk_through_a_picker_and_a_confirmation() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('/'));
    h.keys("agent");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    let emails: Vec<String> = h
        .app
        .marked_in_tab()
        .iter()
        .map(|u| u.email.to_string())
        .collect();
    h.key(KeyCode::Char('o'));
    assert!(h.app.layers().top::<RolesPicker>().is_some());
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.key(KeyCode::Char(' ')); // Supervisor on (Agent stays)
    h.press(KeyCode::Enter).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert_eq!(c.title, "Set the roles of 2 users to Supervisor, Agent?");
    assert!(c.preview.as_ref().unwrap().iter().all(|o| o.is_done()));
    h.press(KeyCode::Char('y')).await;
    for e in &emails {
        assert_eq!(h.user(e).roles.to_string(), "Supervisor, Agent");
    }
    // teams: add both to the first team, then remove one
    let team = h.app.data().unwrap().teams[0].clone();
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    for e in &emails {
        h.key(KeyCode::Char('/'));
        h.keys(e);
        h.key(KeyCode::Enter);
        h.key(KeyCode::Char(' '));
        h.key(KeyCode::Char('/'));
        h.key(KeyCode::Esc);
    }
    assert_eq!(h.app.marked_in_tab().len(), 2);
    h.key(KeyCode::Char('t'));
    h.press(KeyCode::Enter).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    assert_eq!(c.title, format!("Add 2 users to the team {}?", team.name));
    h.press(KeyCode::Char('y')).await;
    for e in &emails {
        assert!(h.user(e).teams.contains(&team.id));
    }
}

#[tokio::test]
async fn large_bulk_changes_go_in_chunks_and_show_progress() {
    use atender_admin::tui::effects::{self, Msg};
    let mut h = Harness::demo().await;
    let ids: Vec<_> = h
        .app
        .data()
        .unwrap()
        .users
        .iter()
        .filter(|u| u.status == UserStatus::Active && u.roles.to_string() == "Agent")
        .map(|u| u.id)
        .collect();
    let total = ids.len();
    assert!(total > 2 * effects::BULK_CHUNK, "{total}");
    // The bulk change as the console asks for it: marked users, d, y.
    h.app.mark_users(ids.iter().copied());
    h.press(KeyCode::Char('d')).await;
    h.key(KeyCode::Char('y'));
    let queued = h.app.take_effects();
    let [(id, effects::Effect::Bulk { change, ids, seen })] = queued.as_slice() else {
        panic!("{queued:?}")
    };
    assert_eq!(
        seen.len(),
        ids.len(),
        "each pinned to the version its preview found"
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let id = *id;
    let last = effects::bulk_in_chunks(&h.api, change.clone(), ids.clone(), seen, |done, total| {
        let _ = tx.send(Msg::Progress { id, done, total });
    })
    .await;
    let mut seen = Vec::new();
    while let Ok(Msg::Progress { done, total: t, .. }) = rx.try_recv() {
        assert_eq!(t, total);
        seen.push(done);
        h.app.on_msg(Msg::Progress { id, done, total: t });
        assert_eq!(h.app.in_flight(), 1, "progress is not an answer");
    }
    assert_eq!(seen, vec![100, 200, total]);
    assert!(h.screen().contains(&format!("{total}/{total} done")));
    let inactive = |h: &Harness| -> usize {
        let screen = h.screen();
        let at = screen.find("Inactive (").unwrap() + "Inactive (".len();
        screen[at..].split(')').next().unwrap().parse().unwrap()
    };
    let before = inactive(&h);
    h.app.on_msg(Msg::Answer { id, result: last });
    assert!(h.app.progress().is_none());
    // The result is said with the tabs that show it (issue 20, point 7), not before them.
    assert_eq!(
        h.app.last_notice().unwrap().text,
        "done; updating the tabs…"
    );
    assert_eq!(inactive(&h), before);
    h.settle().await;
    assert_eq!(
        h.app.last_notice().unwrap().text,
        format!("{total} deactivated")
    );
    assert_eq!(inactive(&h), before + total);
}

#[tokio::test]
async fn a_change_some_users_already_have_says_so() {
    let mut h = Harness::demo().await;
    // two agents: one in the first team already, one not
    let team = h.app.data().unwrap().teams[0].clone();
    let (inside, outside): (Vec<_>, Vec<_>) = h
        .app
        .data()
        .unwrap()
        .users
        .iter()
        .filter(|u| u.status == UserStatus::Active && u.roles.to_string() == "Agent")
        .partition(|u| u.teams.contains(&team.id));
    let ids = [inside[0].id, outside[0].id];
    h.app.mark_users(ids.iter().copied());
    h.key(KeyCode::Char('t'));
    h.press(KeyCode::Enter).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    assert_eq!(
        c.preview
            .as_ref()
            .unwrap()
            .iter()
            .filter(|o| o.is_changed())
            .count(),
        1
    );
    h.press(KeyCode::Char('y')).await;
    assert_eq!(h.app.last_notice().unwrap().text, "1 added; 1 already so");
}

#[tokio::test]
async fn teams_are_created_renamed_and_deleted_from_the_teams_screen() {
    use atender_admin::tui::components::TeamEdit;
    let mut h = Harness::demo().await;
    let before = h.app.data().unwrap().teams.len();
    h.key(KeyCode::Char('T'));
    h.key(KeyCode::Char('n'));
    h.keys("billing");
    h.press(KeyCode::Enter).await;
    // the core refuses the duplicate; what was typed stays
    let Some(view) = h.app.layers().top::<TeamsView>() else {
        panic!("{:?}", h.app.layers())
    };
    assert!(
        view.error.as_ref().unwrap().contains("already exists"),
        "{:?}",
        view.error
    );
    assert!(matches!(&view.editing, Some(TeamEdit::New(i)) if i.value() == "billing"));
    for _ in 0..7 {
        h.key(KeyCode::Backspace);
    }
    h.keys("Escalations");
    h.press(KeyCode::Enter).await;
    assert_eq!(h.app.data().unwrap().teams.len(), before + 1);
    assert_eq!(
        h.app.last_notice().unwrap().text,
        "created the team Escalations"
    );
    // rename the first team, then delete it
    let first = h.app.data().unwrap().teams[0].clone();
    h.key(KeyCode::Char('r'));
    h.keys(" East");
    h.press(KeyCode::Enter).await;
    let renamed = h
        .app
        .data()
        .unwrap()
        .teams
        .iter()
        .find(|t| t.id == first.id)
        .unwrap()
        .clone();
    assert_eq!(renamed.name.as_str(), format!("{} East", first.name));
    let cursor = h
        .app
        .data()
        .unwrap()
        .teams
        .iter()
        .position(|t| t.id == first.id)
        .unwrap();
    let Some(view) = h.app.top_mut::<TeamsView>() else {
        panic!()
    };
    view.cursor = cursor;
    h.key(KeyCode::Char('D'));
    // a team with members: y is not enough, its name must be typed
    h.press(KeyCode::Char('y')).await;
    assert!(
        h.app.data().unwrap().teams.iter().any(|t| t.id == first.id),
        "one key deleted a team with members"
    );
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert!(c.title.contains("membership"), "{}", c.title);
    h.key(KeyCode::Backspace);
    h.keys(renamed.name.as_str());
    h.press(KeyCode::Enter).await;
    let data = h.app.data().unwrap();
    assert!(data.teams.iter().all(|t| t.id != first.id));
    assert!(
        data.users.iter().all(|u| !u.teams.contains(&first.id)),
        "removed from its members"
    );
    assert_eq!(data.teams.len(), before);
}

#[tokio::test]
async fn an_arrow_in_a_confirmation_never_turns_no_into_yes() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('2'));
    let inactive = h.app.view().rows.len();
    assert!(inactive > 1);
    h.key(KeyCode::Char('a'));
    h.press(KeyCode::Char('r')).await;
    for k in [KeyCode::Right, KeyCode::Tab, KeyCode::Char('l')] {
        h.key(k);
    }
    h.press(KeyCode::Enter).await;
    assert!(h.app.layers().is_empty());
    assert_eq!(h.app.view().rows.len(), inactive, "nobody was reactivated");
    assert_eq!(
        h.app.marks().len(),
        inactive,
        "and the marks are still there"
    );
    // ← is the deliberate move to Yes, and stops there
    h.press(KeyCode::Char('r')).await;
    h.key(KeyCode::Left);
    h.key(KeyCode::Left);
    h.press(KeyCode::Enter).await;
    assert_eq!(h.app.view().rows.len(), 0);
}

#[tokio::test]
async fn dialogs_name_people_so_namesakes_can_be_told_apart() {
    let mut h = Harness::demo().await;
    let u = h.app.current_user().unwrap().clone();
    h.press(KeyCode::Char('d')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    assert_eq!(
        c.title,
        format!("Deactivate {} ({})?", u.display_name, u.email)
    );
}

#[tokio::test]
async fn paste_goes_into_the_focused_field_as_one_line() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('i'));
    h.key(KeyCode::Tab);
    h.app.on_paste("Line One\nLine Two");
    let Some(form) = h.app.layers().top::<InviteForm>() else {
        panic!()
    };
    assert_eq!(form.full_name.value(), "Line One Line Two");
    assert_eq!(form.display_name.value(), "Line One Line Two");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('y'));
    assert!(h.app.layers().is_empty());
    // the filter takes a paste too, and on the bare table a paste does nothing
    h.app.on_paste("billing");
    assert_eq!(h.app.filter().value(), "");
    h.key(KeyCode::Char('/'));
    h.app.on_paste("billing\n");
    assert_eq!(h.app.filter().value(), "billing");
    assert!(h.app.filter_focused(), "a pasted line break is not Enter");
}

#[tokio::test]
async fn a_team_without_members_is_deleted_with_a_plain_yes() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('T'));
    h.key(KeyCode::Char('n'));
    h.keys("Zeta Empty");
    h.press(KeyCode::Enter).await;
    let data = h.app.data().unwrap();
    let cursor = data
        .teams
        .iter()
        .position(|t| t.name.as_str() == "Zeta Empty")
        .unwrap();
    let Some(view) = h.app.top_mut::<TeamsView>() else {
        panic!()
    };
    view.cursor = cursor;
    h.key(KeyCode::Char('D'));
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!()
    };
    assert!(
        c.typed.is_none() && !c.yes,
        "no members: a y/n question, No first"
    );
    h.press(KeyCode::Char('y')).await;
    assert!(
        h.app
            .data()
            .unwrap()
            .teams
            .iter()
            .all(|t| t.name.as_str() != "Zeta Empty")
    );
    assert!(h.app.layers().top::<TeamsView>().is_some());
}

#[tokio::test]
async fn the_same_keys_move_in_pickers_help_and_the_log() {
    let mut h = Harness::demo().await;
    h.key(KeyCode::Char('o'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('k'));
    let Some(picker) = h.app.layers().top::<RolesPicker>() else {
        panic!()
    };
    assert_eq!(picker.cursor, 1, "j j k lands on the second role");
    let before = picker.roles.clone();
    h.key(KeyCode::Char('G'));
    h.key(KeyCode::Char(' '));
    let Some(picker) = h.app.layers().top::<RolesPicker>() else {
        panic!()
    };
    assert_eq!(picker.cursor, picker.roles.len() - 1);
    assert_ne!(
        picker.roles.last(),
        before.last(),
        "Space toggled the last role"
    );
    assert_eq!(picker.roles[0], before[0], "not the first");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('?'));
    h.key(KeyCode::Char('G'));
    assert!(
        h.app
            .layers()
            .top::<Help>()
            .is_some_and(|help| help.scroll > 0)
    );
    h.key(KeyCode::Char('g'));
    assert!(
        h.app
            .layers()
            .top::<Help>()
            .is_some_and(|help| help.scroll == 0)
    );
    assert!(h.screen().lines().any(|l| l.contains("Esc close")));
    h.key(KeyCode::Esc);
    h.press(KeyCode::Char('L')).await;
    h.key(KeyCode::End);
    let Some(log) = h.app.layers().top::<LogView>() else {
        panic!()
    };
    assert_eq!(log.scroll, log.shown_at(NOW).len() - 1);
}

#[tokio::test]
async fn dates_sort_most_recent_first_with_the_missing_ones_last() {
    let mut h = Harness::demo().await;
    let sorted_by =
        |h: &Harness,
         label: &str,
         at: &dyn Fn(&atender_admin::domain::User) -> Option<time::OffsetDateTime>| {
            let data = h.app.data().unwrap();
            let dates: Vec<_> = h
                .app
                .view()
                .rows
                .iter()
                .map(|&i| at(&data.users[i]))
                .collect();
            assert!(!dates.is_empty(), "{label}: rows");
            // Newest first, then the users without the date.
            let mut expected = dates.clone();
            expected.sort_by(|a, b| b.cmp(a));
            assert_eq!(dates, expected, "{label}");
        };
    // Active: name, email, roles, teams, last sign-in, created.
    for _ in 0..4 {
        h.key(KeyCode::Char('s'));
    }
    assert!(h.screen().contains("sort: last sign-in"));
    sorted_by(&h, "last sign-in", &|u| u.last_login_at);
    h.key(KeyCode::Char('s'));
    assert!(h.screen().contains("sort: created"));
    sorted_by(&h, "created", &|u| Some(u.created_at));
    // Inactive: name, email, roles, teams, deactivated.
    h.key(KeyCode::Char('2'));
    for _ in 0..4 {
        h.key(KeyCode::Char('s'));
    }
    assert!(h.screen().contains("sort: deactivated"));
    assert!(h.screen().contains("Deactivated↓"));
    sorted_by(&h, "deactivated", &|u| u.deactivated_at);
}

/// "1 users" as a word of its own ("21 users" is fine).
fn says_one_users(screen: &str) -> bool {
    screen.match_indices("1 users").any(|(i, _)| {
        !screen[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

#[tokio::test]
async fn one_is_counted_as_one_and_an_expired_invite_reads_expired_once() {
    let mut h = Harness::demo().await;
    // one user: the dry run's verdict and the pickers' titles
    h.press(KeyCode::Char('d')).await;
    let s = h.screen();
    assert!(s.contains("The rules allow it."), "{s}");
    assert!(!s.contains("All 1") && !says_one_users(&s), "{s}");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('o'));
    let s = h.screen();
    assert!(s.contains("Roles for 1 user —"), "{s}");
    assert!(!says_one_users(&s), "{s}");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('t'));
    let s = h.screen();
    assert!(s.contains("1 user —"), "{s}");
    assert!(!says_one_users(&s), "{s}");
    h.key(KeyCode::Esc);
    // the oldest invite has expired: the table and the details say so once
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('G'));
    let s = h.screen();
    assert!(s.contains("expired 4d ago"), "{s}");
    h.press(KeyCode::Enter).await;
    let s = h.screen();
    assert!(s.contains("invite expired 4d ago"), "{s}");
    assert!(s.contains("sent 11d ago"), "{s}");
    assert!(!s.contains("expires expired"), "{s}");
}

#[tokio::test]
async fn clicks_pick_rows_and_tabs_and_do_nothing_under_a_dialog() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut h = Harness::demo().await;
    let at = |kind, column, row| MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let click = |column, row| at(MouseEventKind::Down(MouseButton::Left), column, row);
    // the table's header is on line 2, its fifth row on line 7
    atender_admin::tui::on_mouse(&mut h.app, click(10, 7));
    assert_eq!(h.app.view().cursor, 4);
    atender_admin::tui::on_mouse(&mut h.app, click(10, 2));
    assert_eq!(h.app.view().cursor, 4, "the header is no row");
    atender_admin::tui::on_mouse(&mut h.app, at(MouseEventKind::ScrollDown, 10, 7));
    assert_eq!(h.app.view().cursor, 5);
    atender_admin::tui::on_mouse(&mut h.app, at(MouseEventKind::ScrollUp, 10, 7));
    assert_eq!(h.app.view().cursor, 4);
    // " 2 Inactive (20) " on the tab line
    atender_admin::tui::on_mouse(&mut h.app, click(22, 1));
    assert_eq!(h.app.tab(), Tab::Inactive);
    // below the last of its 20 rows: nothing
    atender_admin::tui::on_mouse(&mut h.app, click(10, 30));
    assert_eq!(h.app.view().cursor, 0);
    // a dialog keeps the mouse from the table
    h.key(KeyCode::Char('?'));
    atender_admin::tui::on_mouse(&mut h.app, click(10, 7));
    atender_admin::tui::on_mouse(&mut h.app, click(40, 1));
    assert_eq!(h.app.view().cursor, 0);
    assert_eq!(h.app.tab(), Tab::Inactive);
    assert!(h.app.layers().top::<Help>().is_some());
}

/// A refresh applies only what changed since the last load (`apply_changes`, by the same rule
/// as `Snapshot::apply_changes`); every tab then lists what a full load lists, in its order.
#[tokio::test]
async fn applied_changes_show_what_a_full_load_shows() {
    use atender_admin::domain::UserId;
    use atender_admin::tui::app::App;
    use atender_admin::tui::model::Context;
    let mut h = Harness::demo().await;
    let seq = h.app.data().unwrap().seq;
    let active: Vec<UserId> = h.app.view_of(Tab::Active).rows[1..4]
        .iter()
        .map(|&i| h.app.data().unwrap().users[i].id)
        .collect();
    h.api
        .bulk(BulkChange::Deactivate, active[..2].to_vec(), false)
        .await
        .unwrap();
    let team = h.api.create_team("Aardvark Desk".into()).await.unwrap();
    h.api
        .bulk(
            BulkChange::AddTeam { team: team.id },
            vec![active[2]],
            false,
        )
        .await
        .unwrap();
    let changes = h.api.changes(seq).await.unwrap();
    h.app.apply_changes(changes);
    let listed = |app: &App| -> Vec<Vec<UserId>> {
        let data = app.data().unwrap();
        Tab::ALL
            .iter()
            .map(|t| {
                app.view_of(*t)
                    .rows
                    .iter()
                    .map(|&i| data.users[i].id)
                    .collect()
            })
            .collect()
    };
    let mut fresh = App::new(Context::local("DEMO", "https://atender.example"));
    fresh.set_now(NOW);
    fresh.on_resize(120, 40);
    fresh.apply_snapshot(h.api.snapshot().await.unwrap());
    assert_eq!(listed(&h.app), listed(&fresh));
    let inactive = &listed(&h.app)[Tab::Inactive.index()];
    assert!(active[..2].iter().all(|id| inactive.contains(id)));
    let data = h.app.data().unwrap();
    assert_eq!(data.teams, fresh.data().unwrap().teams);
    assert!(
        data.teams_of(data.user(active[2]).unwrap())
            .contains(&"Aardvark Desk")
    );
}

/// The first screenful shows before everyone is loaded, in no particular order. When the full
/// load lands, a tab the admin has not moved in starts at the top of the real order, and one
/// where they moved keeps the person they moved to under the cursor (it never jumps away).
#[tokio::test]
async fn the_full_load_keeps_the_person_chosen_on_the_first_page() {
    use atender_admin::domain::UserId;
    use atender_admin::tui::app::App;
    use atender_admin::tui::model::{Context, FirstPage};
    let h = Harness::demo().await;
    let snapshot = h.api.snapshot().await.unwrap();
    let mut first = snapshot.clone();
    // The first page holds each tab's first users in another order than the table's.
    first.users.reverse();
    first.users.truncate(120);
    let mut app = App::new(Context::local("DEMO", "https://atender.example"));
    app.set_now(NOW);
    app.on_resize(120, 40);
    app.apply_first_page(FirstPage {
        snapshot: first,
        counts: [0; 3],
    });
    assert!(!app.data().unwrap().is_complete());
    let id_at = |app: &App, tab: Tab| -> UserId {
        let view = app.view_of(tab);
        app.data().unwrap().users[view.rows[view.cursor]].id
    };
    app.select_tab(Tab::Active);
    app.move_to(3);
    let chosen = id_at(&app, Tab::Active);
    app.apply_snapshot(snapshot);
    assert!(app.data().unwrap().is_complete());
    assert_eq!(id_at(&app, Tab::Active), chosen, "the chosen person stays");
    assert_ne!(
        app.view_of(Tab::Active).cursor,
        3,
        "found in the real order"
    );
    let inactive = &app.view_of(Tab::Inactive);
    assert_eq!(
        (inactive.cursor, inactive.offset),
        (0, 0),
        "untouched: the top"
    );
}

/// A footer notice is about what came before: a dialog opened after it hides it, a notice
/// given while the dialog is open shows, and closing the dialog shows the earlier one again.
#[tokio::test]
async fn a_dialog_hides_the_notice_given_before_it() {
    let mut h = Harness::demo().await;
    h.app.notice("nothing to undo");
    assert_eq!(
        h.app.shown_notice().map(|n| n.text.as_str()),
        Some("nothing to undo")
    );
    h.app.open(Help::default());
    assert!(h.app.shown_notice().is_none());
    h.app.error("could not load: the server is away");
    assert!(h.app.shown_notice().is_some_and(|n| n.error));
    h.app.notice("nothing to undo");
    h.key(KeyCode::Esc);
    assert!(h.app.layers().is_empty());
    assert_eq!(
        h.app.shown_notice().map(|n| n.text.as_str()),
        Some("nothing to undo")
    );
}

/// An Agent who signs in to the console is told, on the sign-in screen, that only Owners and
/// Admins manage users: not shown an empty, read-only table.
#[tokio::test]
async fn an_agent_signing_in_is_told_to_ask_an_admin() {
    use atender_admin::Error;
    use atender_admin::tui::components::SignInForm;
    use atender_admin::tui::effects::{Connected, Effect, Msg, Reply};
    use atender_admin::tui::model::ServerContext;
    let mut h = Harness::demo().await;
    h.app.context_mut().server = Some(ServerContext {
        url: "http://127.0.0.1:9".into(),
        workspace: "demo-support-co".into(),
        email: "x@y.io".into(),
    });
    h.app.reload();
    h.answer_queued(|_| {
        Err(Error::Refused(
            atender_admin::domain::Refusal::Unauthenticated,
        ))
    });
    assert!(h.app.layers().top::<SignInForm>().is_some());
    h.keys("secret-pw");
    h.key(KeyCode::Enter);
    let effects = h.app.take_effects();
    let [(id, Effect::SignIn { .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let agent = h
        .app
        .data()
        .unwrap()
        .users
        .iter()
        .find(|u| u.status == UserStatus::Active && u.roles.to_string() == "Agent")
        .unwrap()
        .clone();
    let connected = Connected {
        api: std::sync::Arc::new(h.core.admin(h.ws.id, agent.id)),
        user: agent,
        workspace: h.ws.clone(),
    };
    h.app.on_msg(Msg::Answer {
        id: *id,
        result: Ok(Reply::SignedIn(connected)),
    });
    let Some(form) = h.app.layers().top::<SignInForm>() else {
        panic!("{:?}", h.app.layers())
    };
    let said = form.message.as_deref().unwrap_or_default();
    assert!(said.contains("(Agent) can't manage users"), "{said}");
    assert!(said.contains("ask an Owner or Admin"), "{said}");
}

/// Issue 20, point 3: `u` goes back through the admin's own changes, newest first, each on
/// exactly the users it changed; a user someone else changed since is left as they are and
/// named; an undone step moves the older steps' users along with it.
#[tokio::test]
async fn undo_is_a_stack_of_the_admins_own_changes() {
    let mut h = Harness::demo().await;
    let title = |h: &Harness| h.app.layers().top::<Confirm>().map(|c| c.title.clone());
    // 13 agents deactivated.
    use atender_admin::store::Store;
    let agents: Vec<atender_admin::domain::User> = h
        .core
        .store()
        .users(h.owner.workspace)
        .unwrap()
        .into_iter()
        .filter(|u| u.status == UserStatus::Active && !u.roles.can_manage())
        .take(13)
        .collect();
    h.app.mark_users(agents.iter().map(|u| u.id));
    h.press(KeyCode::Char('d')).await;
    h.press(KeyCode::Char('y')).await;
    assert_eq!(h.app.last_notice().unwrap().text, "13 deactivated");
    // Then one of them reactivated, from the Inactive tab.
    let one = agents[0].email.to_string();
    h.key(KeyCode::Char('2'));
    h.key(KeyCode::Char('/'));
    h.keys(&one);
    h.key(KeyCode::Enter);
    h.press(KeyCode::Char('r')).await;
    h.press(KeyCode::Char('y')).await;
    assert_eq!(h.user(&one).status, UserStatus::Active);
    h.key(KeyCode::Esc);
    // u names the newest: the reactivation of that one.
    h.press(KeyCode::Char('u')).await;
    let t = title(&h).unwrap();
    let local = one.split('@').next().unwrap();
    assert!(
        t.starts_with("Undo the reactivation of") && t.contains(local),
        "{t}"
    );
    h.press(KeyCode::Char('y')).await;
    assert_eq!(h.user(&one).status, UserStatus::Inactive);
    // Then the 13: all of them, the one the admin's own undo touched too.
    h.press(KeyCode::Char('u')).await;
    assert_eq!(
        title(&h).unwrap(),
        "Undo the deactivation of 13 users?",
        "{:?}",
        h.app.layers()
    );
    h.press(KeyCode::Char('y')).await;
    for u in &agents {
        assert_eq!(
            h.user(u.email.as_str()).status,
            UserStatus::Active,
            "{}",
            u.email
        );
    }
    assert!(
        h.app
            .last_notice()
            .unwrap()
            .text
            .starts_with("undid the deactivation of 13 users: 13 put back"),
        "{:?}",
        h.app.last_notice()
    );
    h.press(KeyCode::Char('u')).await;
    assert_eq!(h.app.last_notice().unwrap().text, "nothing to undo");

    // Someone else changes one of two users after the admin did: the undo leaves that one.
    h.app.mark_users([agents[1].id, agents[2].id]);
    h.key(KeyCode::Char('1'));
    h.press(KeyCode::Char('d')).await;
    h.press(KeyCode::Char('y')).await;
    use atender_admin::service::AdminApi;
    h.api
        .bulk(
            BulkChange::SetBeta { beta: true },
            vec![agents[1].id],
            false,
        )
        .await
        .unwrap();
    h.press(KeyCode::Char('u')).await;
    h.press(KeyCode::Char('y')).await;
    assert_eq!(
        h.user(agents[1].email.as_str()).status,
        UserStatus::Inactive
    );
    assert_eq!(h.user(agents[2].email.as_str()).status, UserStatus::Active);
    let notice = h.app.last_notice().unwrap().text.clone();
    assert!(
        notice.contains("1 put back")
            && notice.contains(agents[1].email.as_str())
            && notice.contains("changed by someone else"),
        "{notice}"
    );

    // At least 20 steps: beta toggled 21 times on one user, then undone all the way back.
    let target = agents[3].email.to_string();
    let beta_before = h.user(&target).beta;
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Char('/'));
    h.keys(&target);
    h.key(KeyCode::Enter);
    for _ in 0..21 {
        h.press(KeyCode::Char('b')).await;
    }
    assert_ne!(h.user(&target).beta, beta_before);
    for i in 0..21 {
        h.press(KeyCode::Char('u')).await;
        assert!(title(&h).is_some(), "step {i}: {:?}", h.app.last_notice());
        h.press(KeyCode::Char('y')).await;
    }
    assert_eq!(h.user(&target).beta, beta_before);
}

/// A cancelled invite can't be undone, and its confirmation says so; `u` then names the
/// admin's last change that can be.
#[tokio::test]
async fn a_cancelled_invite_says_it_cannot_be_undone() {
    let mut h = Harness::demo().await;
    h.press(KeyCode::Char('b')).await; // beta for the current user: the step `u` should name
    h.key(KeyCode::Char('3'));
    h.press(KeyCode::Char('x')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.layers())
    };
    assert!(
        c.lines.iter().any(|l| l.contains("can't be undone")),
        "{:?}",
        c.lines
    );
    h.press(KeyCode::Char('y')).await;
    h.press(KeyCode::Char('u')).await;
    let Some(c) = h.app.layers().top::<Confirm>() else {
        panic!("{:?}", h.app.last_notice())
    };
    assert!(c.title.starts_with("Undo beta access"), "{}", c.title);
}

/// Issue 20, point 8: a console whose admin was deactivated says so, not "session ended".
#[tokio::test]
async fn a_deactivated_admin_is_told_so_on_the_sign_in_screen() {
    use atender_admin::tui::components::SignInForm;
    use atender_admin::tui::model::ServerContext;
    let mut h = Harness::demo().await;
    h.app.context_mut().server = Some(ServerContext {
        url: "http://127.0.0.1:9".into(),
        workspace: "demo-support-co".into(),
        email: "x@y.io".into(),
    });
    h.app.reload();
    h.answer_queued(|_| {
        Err(Error::Refused(Refusal::ActorInactive {
            actor: "x@y.io".into(),
        }))
    });
    let Some(form) = h.app.layers().top::<SignInForm>() else {
        panic!("{:?}", h.app.layers())
    };
    let message = form.message.clone().unwrap();
    assert!(
        message.contains("your account was deactivated"),
        "{message}"
    );
    assert!(!message.contains("session has ended"), "{message}");
}
