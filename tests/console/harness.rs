//! An `App` driven by keys, whose effects run against a real demo store, synchronously, so a
//! test reads like a session at the keyboard.

use atender_admin::demo;
use atender_admin::domain::{HashCost, User, Workspace};
use atender_admin::service::{Core, CoreConfig, LocalAdmin, ManualClock};
use atender_admin::store::SledStore;
use atender_admin::tui::app::App;
use atender_admin::tui::effects;
use atender_admin::tui::model::Context;
use atender_admin::tui::theme::Theme;
use atender_admin::tui::ui;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use tempfile::TempDir;
use time::OffsetDateTime;
use time::macros::datetime;

pub const NOW: OffsetDateTime = datetime!(2026-11-28 12:00 UTC);

pub struct Harness {
    pub _dir: TempDir,
    pub core: Core<SledStore>,
    pub api: LocalAdmin<SledStore>,
    pub ws: Workspace,
    pub owner: User,
    pub app: App,
}

impl Harness {
    /// The default demo workspace, acting as its Owner.
    pub async fn demo() -> Harness {
        Self::demo_sized(250).await
    }

    pub async fn demo_sized(size: usize) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let (ws, owner) = demo::seed(&store, NOW, size, HashCost::insecure_for_tests()).unwrap();
        let config = CoreConfig {
            hash_cost: HashCost::insecure_for_tests(),
            ..CoreConfig::default()
        };
        let core = Core::new(store, Arc::new(ManualClock::new(NOW)), config);
        let api = core.admin(ws.id, owner.id);
        let mut app = App::new(Context::local("DEMO", "https://atender.example"));
        app.set_now(NOW);
        app.on_resize(120, 40);
        app.reload();
        let mut h = Harness {
            _dir: dir,
            core,
            api,
            ws,
            owner,
            app,
        };
        h.settle().await;
        h
    }

    /// Acts as another user from now on.
    pub fn act_as(&mut self, user: &User) {
        self.api = self.core.admin(self.ws.id, user.id);
    }

    /// Runs every effect the app asked for, feeding the answers back, until none are left.
    pub async fn settle(&mut self) {
        for _ in 0..20 {
            let effects = self.app.take_effects();
            if effects.is_empty() {
                break;
            }
            for (id, e) in effects {
                let msg = effects::answer(&self.api, id, e).await;
                self.app.on_msg(msg);
            }
        }
        self.app.prepare_frame();
        self.app.set_now(NOW);
    }

    /// Answers every request the app has queued with what `answer` says (a server that
    /// failed, say), without running them; returns what was asked.
    pub fn answer_queued(
        &mut self,
        answer: impl Fn(&effects::Effect) -> atender_admin::Result<effects::Reply>,
    ) -> Vec<effects::Effect> {
        let mut asked = Vec::new();
        for (id, effect) in self.app.take_effects() {
            let result = answer(&effect);
            self.app.on_msg(effects::Msg::Answer { id, result });
            asked.push(effect);
        }
        asked
    }

    pub fn key(&mut self, code: KeyCode) {
        self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        self.app.prepare_frame();
    }

    pub fn ctrl(&mut self, c: char) {
        self.app
            .on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub async fn press(&mut self, code: KeyCode) {
        self.key(code);
        self.settle().await;
    }

    pub async fn type_keys(&mut self, text: &str) {
        self.keys(text);
        self.settle().await;
    }

    pub fn user(&self, email: &str) -> User {
        use atender_admin::store::Store;
        self.core
            .store()
            .users(self.ws.id)
            .unwrap()
            .into_iter()
            .find(|u| u.email.as_str() == email)
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    pub fn current_email(&self) -> String {
        self.app
            .current_user()
            .map(|u| u.email.to_string())
            .unwrap_or_default()
    }

    /// The screen as text, at the app's size.
    pub fn screen(&self) -> String {
        self.render(Theme { color: true }).to_string()
    }

    pub fn render(&self, theme: Theme) -> TestBackend {
        let (w, h) = self.app.size();
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| ui::draw(f, &self.app, &theme)).unwrap();
        terminal.backend().clone()
    }
}
