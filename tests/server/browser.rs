//! The accept page in a real browser: headless Chromium driven through WebDriver (Debian's
//! chromium and chromium-driver; `scripts/test` installs them). Opens the link from a real
//! invite email, types a password, submits, and reads the result, with JavaScript turned off.
//! A missing browser fails these tests; it never skips them.

use crate::smtp_sink::link_in;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: install Debian's {package} (scripts/test does: apt-get install -y chromium chromium-driver)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: crate::support::http().build().unwrap(),
        };
        // readiness: chromedriver answers /status with ready=true
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = driver
                .http
                .get(format!("{}/status", driver.url))
                .send()
                .await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready in 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn browser(&self, profile: &Path) -> Browser {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage",
                         format!("--user-data-dir={}", profile.display())],
                // the form must work with JavaScript off
                "prefs": {"profile.managed_default_content_settings.javascript": 2}
            }
        }}});
        let r = self
            .http
            .post(format!("{}/session", self.url))
            .json(&caps)
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        let id = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"));
        Browser {
            session: format!("{}/session/{id}", self.url),
            http: self.http.clone(),
        }
    }
}

struct Browser {
    session: String,
    http: reqwest::Client,
}

impl Browser {
    async fn call(&self, method: Method, path: &str, body: Value) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.session));
        if method != Method::GET {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "WebDriver {method} {path}: {v}");
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(Method::POST, "/url", json!({"url": url})).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call(
            Method::POST,
            &format!("/element/{e}/value"),
            json!({"text": text}),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.call(Method::POST, &format!("/element/{e}/click"), json!({}))
            .await;
    }

    /// The text of the first element matching `css`, once it contains `needle` (or panics
    /// after 10 s, showing what it last was). While a page loads, the element may be missing or
    /// replaced under our feet (a "stale element"): those answers just mean "not yet".
    async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = String::from("(no such element yet)");
        loop {
            if let Some(text) = self.try_text(css).await {
                if text.contains(needle) {
                    return text;
                }
                last = text;
            }
            assert!(
                Instant::now() < deadline,
                "{css} says {last:?}, not {needle:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn try_text(&self, css: &str) -> Option<String> {
        let r = self
            .http
            .post(format!("{}/element", self.session))
            .json(&json!({"using": "css selector", "value": css}))
            .send()
            .await
            .ok()?;
        let v: Value = r.json().await.ok()?;
        let e = v["value"][ELEMENT].as_str()?;
        let r = self
            .http
            .get(format!("{}/element/{e}/text", self.session))
            .send()
            .await
            .ok()?;
        if !r.status().is_success() {
            return None;
        }
        let v: Value = r.json().await.ok()?;
        v["value"].as_str().map(str::to_string)
    }

    async fn quit(self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

async fn emailed_link(app: &TestApp, owner: &str) -> String {
    let r = app
        .api(Method::POST, "/invites", owner)
        .json(&json!({"email": "bob@acme.io", "full_name": "Bob <Stone>", "roles": ["agent"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(expect(r, StatusCode::CREATED).await["email"], "sent");
    link_in(&app.mail.next_message().await)
}

async fn an_invitee_sets_a_password_in_chromium(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme & Co", "ann@acme.io").await;
    let link = emailed_link(&app, &owner).await;
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let browser = driver.browser(profile.path()).await;
    browser.goto(&link).await;
    browser.wait_for_text("h1", "Join Acme & Co").await;
    browser.wait_for_text("main", "bob@acme.io").await;
    browser.type_into("#password", "a long new password").await;
    browser.type_into("#confirm", "a long new password").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("h1", "Your password is set").await;
    let text = browser
        .wait_for_text("main", "Sign in to the workspace")
        .await;
    assert!(
        text.contains(&slug) && text.contains("bob@acme.io"),
        "{text}"
    );
    browser.quit().await;
    // the password set in the browser signs in
    expect(
        app.try_sign_in(&slug, "bob@acme.io", "a long new password")
            .await,
        StatusCode::OK,
    )
    .await;
}

async fn an_expired_link_says_so_in_chromium(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let link = emailed_link(&app, &owner).await;
    app.clock.advance(time::Duration::days(8));
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let browser = driver.browser(profile.path()).await;
    browser.goto(&link).await;
    browser
        .wait_for_text("h1", "This invite link has expired")
        .await;
    browser.wait_for_text("main", "resend your invite").await;
    browser.quit().await;
}

on_every_store!(
    an_invitee_sets_a_password_in_chromium,
    an_expired_link_says_so_in_chromium
);
