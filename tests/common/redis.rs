//! Redis for the tests: the shared server `.ci/run` starts, or one of a
//! test's own that it can stop and start again.
#![allow(clippy::print_stdout)] // the skip notice is for the test output

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The shared test server's URL (`PORTCULLIS_TEST_REDIS_URL`); without it
/// the Redis tests say they are skipped and pass.
pub fn redis_url() -> Option<String> {
    // Set but empty counts as not set, as it does for most tools.
    let url = std::env::var("PORTCULLIS_TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.trim().is_empty());
    if url.is_none() {
        println!("PORTCULLIS_TEST_REDIS_URL is not set: skipping (`.ci/run` sets it)");
    }
    url
}

/// A `redis-server` of the test's own on a free loopback port, stopped
/// when dropped.
pub struct OwnRedis {
    pub port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    /// Starts one and waits until it accepts connections.
    pub fn start() -> Self {
        let port = super::free_port();
        let mut redis = Self { port, child: None };
        redis.restart();
        redis
    }

    /// `redis://` URL of this server.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on its port.
    pub fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (`.ci/run` installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
    }

    /// Stops the server, as an outage would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
