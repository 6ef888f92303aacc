//! The showcase binary end to end: `target/*/examples/secure_api` started on
//! a free loopback port, every route and failure row of its README walked
//! over real HTTP, the headers of every answer, the session cookie's
//! attributes and the JSON log lines it printed (none holding a secret).
//!
//! Runs in memory, and again against Redis when `PORTCULLIS_TEST_REDIS_URL`
//! names one (`.ci/run` starts one).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SECRET: &str = "end-to-end-secret-of-at-least-32-bytes!";
const PASSWORDS: [&str; 3] = ["admin-pass", "alice-pass", "guest-pass"];

/// The showcase binary, built as `cargo run --example secure_api` builds it
/// (`cargo test` compiles examples as test harnesses, not as the program),
/// with the same cargo and target directory as this test.
fn binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let output = Command::new(env!("CARGO"))
                .args(["build", "--example", "secure_api", "--message-format=json"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stderr(Stdio::inherit())
                .output()
                .expect("run cargo build --example secure_api");
            assert!(output.status.success(), "building the showcase failed");
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .filter(|message| message["target"]["name"] == "secure_api")
                .find_map(|message| message["executable"].as_str().map(PathBuf::from))
                .expect("cargo named the showcase's executable")
        })
        .clone()
}

/// A running showcase: killed when dropped.
struct Showcase {
    child: Child,
    base: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Drop for Showcase {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Showcase {
    fn start(redis: Option<&str>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(binary());
        command
            .env("SECURE_API_ADDR", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", SECRET)
            .env("CORS_ORIGINS", "https://example.com")
            .env_remove("SECURE_API_TLS_CERT")
            .env_remove("SECURE_API_TLS_KEY")
            .env_remove("SECURE_API_LOGIN_LIMIT")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        match redis {
            Some(url) => command.env("REDIS_URL", url),
            None => command.env_remove("REDIS_URL"),
        };
        let mut child = command.spawn().expect("start the showcase");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the showcase did not listen within 60 s"
            );
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the showcase exited at start: {status}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, base, logs }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token as `/token` would mint it, signed with the showcase's secret.
fn mint(sub: &str, roles: &[&str], scope: &str, exp: u64) -> String {
    let claims = json!({"sub": sub, "roles": roles, "scope": scope, "iat": now(), "exp": exp});
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
    )
    .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts a problem document with `status` and `code`.
    fn problem(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["status"], status.as_u16(), "{body}");
        assert_eq!(body["code"], code, "{body}");
        for member in ["type", "title", "detail"] {
            assert!(body[member].is_string(), "{member} missing: {body}");
        }
        body
    }
}

/// Sends a request and checks the headers every answer carries.
async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the showcase answers");
    let answer = Answer {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    };
    assert_eq!(
        answer.header("strict-transport-security"),
        Some("max-age=63072000; includeSubDomains")
    );
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
    assert!(
        answer
            .header("x-request-id")
            .is_some_and(|id| !id.is_empty())
    );
    assert!(answer.header("content-security-policy").is_some());
    answer
}

/// The default content security policy and `Cache-Control: no-store`,
/// which every answer but the documentation page carries.
fn assert_locked_down(answer: &Answer) {
    assert_eq!(
        answer.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
    assert_eq!(answer.header("cache-control"), Some("no-store"));
}

async fn walk(showcase: &Showcase) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str| client.get(showcase.url(path));
    let post = |path: &str| client.post(showcase.url(path));
    let hour = now() + 3600;
    let admin = mint(
        "admin",
        &["admin"],
        "items:read items:write users:delete",
        hour,
    );
    let alice = mint("alice", &["user"], "items:read items:write", hour);
    let guest = mint("guest", &["guest"], "items:read", hour);

    // Public routes.
    let health = send(get("/health")).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json(), json!({"status": "ok"}));
    assert_locked_down(&health);

    let document = send(get("/openapi.json")).await;
    assert_eq!(document.status, StatusCode::OK);
    let document = document.json();
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{document}"
    );
    for path in [
        "/health",
        "/token",
        "/users/me",
        "/admin/stats",
        "/users/{id}",
        "/items/{id}",
        "/items",
        "/comments",
        "/secure-data",
        "/session/login",
        "/session/me",
        "/session/logout",
        "/logout",
    ] {
        assert!(document["paths"][path].is_object(), "{path} undocumented");
    }
    let docs = send(get("/docs")).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert_ne!(
        docs.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'"),
        "the documentation page needs its own policy"
    );

    // The password grant, and its RFC 6749 failures.
    let granted = send(post("/token").form(&[
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "alice-pass"),
    ]))
    .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    assert_locked_down(&granted);
    let grant = granted.json();
    assert_eq!(grant["token_type"], "bearer");
    assert_eq!(grant["expires_in"], 3600);
    assert_eq!(grant["scope"], "items:read items:write");
    let issued = grant["access_token"].as_str().unwrap().to_owned();
    let refused = send(post("/token").form(&[
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "wrong"),
    ]))
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"], "invalid_grant");

    // Bearer routes: success, 401 and 403.
    let me = send(get("/users/me").bearer_auth(&issued)).await;
    assert_eq!(
        me.json(),
        json!({"username": "alice", "roles": ["user"], "scopes": ["items:read", "items:write"]})
    );
    assert_locked_down(&me);
    let anonymous = send(get("/users/me")).await;
    anonymous.problem(StatusCode::UNAUTHORIZED, "missing_credentials");
    assert!(
        anonymous
            .header("www-authenticate")
            .is_some_and(|c| c.starts_with("Bearer"))
    );
    let forged = mint("admin", &["admin"], "users:delete", hour).replace('.', ".x");
    let expired = mint("alice", &["user"], "items:read", now() - 600);
    for bad in [forged.as_str(), expired.as_str(), "not.a.token"] {
        let answer = send(get("/users/me").bearer_auth(bad)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(
            answer
                .header("www-authenticate")
                .is_some_and(|c| c.contains("error=\"invalid_token\"")),
            "{:?}",
            answer.headers
        );
        assert!(!answer.text.contains(bad), "a token was echoed");
    }
    assert_eq!(
        send(get("/admin/stats").bearer_auth(&admin)).await.status,
        StatusCode::OK
    );
    send(get("/admin/stats").bearer_auth(&alice))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");
    let deleted = send(client.delete(showcase.url("/users/7")).bearer_auth(&admin)).await;
    assert_eq!(deleted.json(), json!({"deleted": 7}));
    let narrowed = mint("admin", &["admin"], "items:read", hour);
    send(
        client
            .delete(showcase.url("/users/7"))
            .bearer_auth(&narrowed),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "insufficient_scope");

    // Validated input.
    let created = send(post("/items").bearer_auth(&alice).json(&json!({
        "name": "  lamp  ", "email": "shop@example.com", "tags": ["home"]
    })))
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_u64().unwrap();
    let item = send(get(&format!("/items/{id}")).bearer_auth(&guest)).await;
    assert_eq!(item.json()["id"], id);
    assert_eq!(item.json()["name"], "lamp");
    let invalid = send(post("/items").bearer_auth(&alice).json(&json!({}))).await;
    let problem = invalid.problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["pointer"].as_str().unwrap())
        .collect();
    assert!(
        pointers.contains(&"#/name") && pointers.contains(&"#/email"),
        "{problem}"
    );
    let wrong_type = send(
        post("/items")
            .bearer_auth(&alice)
            .header("content-type", "text/plain")
            .body("name=lamp"),
    )
    .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let not_json = send(
        post("/items")
            .bearer_auth(&alice)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(70 * 1024));
    let too_large = send(
        post("/items")
            .bearer_auth(&alice)
            .header("content-type", "application/json")
            .body(huge),
    )
    .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    let comment = send(
        post("/comments")
            .bearer_auth(&guest)
            .json(&json!({"text": "<b onclick=\"x()\">hi</b><script>alert(1)</script>"})),
    )
    .await;
    assert_eq!(comment.status, StatusCode::CREATED);
    assert_eq!(comment.json(), json!({"text": "<b>hi</b>"}));

    // HTTP Basic.
    let basic = send(get("/secure-data").basic_auth("admin", Some("admin-pass"))).await;
    assert_eq!(
        basic.json(),
        json!({"message": "Secure data accessed", "user": "admin"})
    );
    let no_basic = send(get("/secure-data")).await;
    assert_eq!(no_basic.status, StatusCode::UNAUTHORIZED);
    assert!(
        no_basic
            .header("www-authenticate")
            .is_some_and(|c| c.starts_with("Basic"))
    );
    send(get("/secure-data").basic_auth("alice", Some("alice-pass")))
        .await
        .problem(StatusCode::FORBIDDEN, "insufficient_role");

    // Browser sessions and CSRF.
    let login =
        send(post("/session/login").form(&[("username", "alice"), ("password", "alice-pass")]))
            .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let set_cookie = login
        .header("set-cookie")
        .expect("a session cookie")
        .to_owned();
    let attributes: Vec<String> = set_cookie
        .split(';')
        .map(|part| part.trim().to_ascii_lowercase())
        .collect();
    for wanted in ["httponly", "secure", "samesite=strict", "path=/"] {
        assert!(attributes.iter().any(|a| a == wanted), "{set_cookie}");
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    assert!(
        !cookie.contains("alice"),
        "the cookie carries readable data"
    );
    let csrf = login.json()["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(login.json()["username"], "alice");
    let session_me = send(get("/session/me").header("cookie", &cookie)).await;
    assert_eq!(
        session_me.json(),
        json!({"username": "alice", "roles": ["user"]})
    );
    send(post("/session/logout").header("cookie", &cookie))
        .await
        .problem(StatusCode::FORBIDDEN, "csrf_failed");
    send(
        post("/session/logout")
            .header("cookie", &cookie)
            .header("origin", "https://evil.example"),
    )
    .await
    .problem(StatusCode::FORBIDDEN, "csrf_failed");
    let logged_out = send(
        post("/session/logout")
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf),
    )
    .await;
    assert_eq!(logged_out.status, StatusCode::OK, "{}", logged_out.text);
    assert_eq!(
        send(get("/session/me").header("cookie", &cookie))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Revocation.
    assert_eq!(
        send(post("/logout").bearer_auth(&issued)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(get("/users/me").bearer_auth(&issued)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Unknown routes and methods.
    send(get("/nowhere"))
        .await
        .problem(StatusCode::NOT_FOUND, "not_found");
    let wrong_method = send(client.put(showcase.url("/health"))).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        wrong_method.header("content-type"),
        Some("application/problem+json")
    );

    // The login limit: more than 5 attempts a minute from one client.
    let mut limited = None;
    for _ in 0..6 {
        let answer = send(post("/token").form(&[
            ("grant_type", "password"),
            ("username", "guest"),
            ("password", "wrong"),
        ]))
        .await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.expect("the sixth login attempt of the minute is limited");
    limited.problem(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(limited.header("retry-after").is_some());
    let right_password = send(post("/token").form(&[
        ("grant_type", "password"),
        ("username", "guest"),
        ("password", "guest-pass"),
    ]))
    .await;
    assert_eq!(
        right_password.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password gets through while limited"
    );

    check_logs(showcase, &[&issued, &admin, &alice, &guest, &cookie, &csrf]);
}

/// Every stdout line is one JSON object; requests and decisions are there;
/// no password, token, cookie or secret is.
fn check_logs(showcase: &Showcase, secrets: &[&str]) {
    // The access line of the last answer may still be in flight.
    std::thread::sleep(Duration::from_millis(300));
    let logs = showcase.logs.lock().unwrap();
    assert!(!logs.is_empty(), "the showcase logged nothing");
    let mut requests = 0;
    let mut decisions = 0;
    for line in logs.iter() {
        let entry: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON line: {line}"));
        let text = entry.to_string();
        if text.contains("\"status\"") && text.contains("\"latency") {
            requests += 1;
        }
        if text.contains("\"policy") && text.contains("\"outcome\"") {
            decisions += 1;
        }
        for secret in secrets.iter().chain(PASSWORDS.iter()).chain([&SECRET]) {
            let value = secret.split('=').next_back().unwrap_or(secret);
            assert!(!line.contains(value), "a secret reached the log: {line}");
        }
    }
    assert!(requests > 20, "access lines: {requests}");
    assert!(decisions > 10, "audit lines: {decisions}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_showcase_binary_serves_its_whole_surface_in_memory() {
    let showcase = Showcase::start(None);
    walk(&showcase).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_showcase_binary_serves_its_whole_surface_with_redis() {
    let Ok(url) = std::env::var("PORTCULLIS_TEST_REDIS_URL") else {
        eprintln!(
            "PORTCULLIS_TEST_REDIS_URL is unset: the Redis walk is skipped (.ci/run sets it)"
        );
        return;
    };
    // A key prefix of its own is not needed: every run mints new tokens and
    // sessions, and the login limit is keyed by this run's client address.
    let showcase = Showcase::start(Some(&url));
    walk(&showcase).await;
}
