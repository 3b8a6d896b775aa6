//! A `continuum node` process for tests, and the client-side helpers
//! around it: the shared admin token, introducing peers, following output.

use continuum_node::api::{AppState, DirMap, StartRequest};
use continuum_node::{Client, Follow};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_continuum"))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One `continuum node` process with a fixed port and state directory, so
/// that it can be killed and started again as the same node. The nodes of
/// one test share an admin token file (`DIR/token`) and may mount
/// directories below `DIR`.
pub struct NodeProc {
    pub url: String,
    name: String,
    port: u16,
    dir: PathBuf,
    state: PathBuf,
    child: Option<Child>,
    pub log: PathBuf,
    extra: Vec<String>,
}

impl NodeProc {
    pub fn new(dir: &Path, name: &str) -> NodeProc {
        let port = free_port();
        NodeProc {
            url: format!("http://127.0.0.1:{port}"),
            name: name.to_string(),
            port,
            dir: dir.to_path_buf(),
            state: dir.join(format!("{name}-state")),
            child: None,
            log: dir.join(format!("{name}.log")),
            extra: Vec::new(),
        }
    }

    /// More `continuum node` flags for every start.
    pub fn with_args(mut self, args: &[&str]) -> NodeProc {
        self.extra = args.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Starts the process (with a fault armed) and waits until it serves.
    pub fn start(&mut self, fault: Option<&str>) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut cmd = Command::new(bin());
        cmd.args(["-v", "node", "--listen"])
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--state-dir")
            .arg(&self.state)
            .args(["--name", &self.name])
            .arg("--token-file")
            .arg(self.dir.join("token"))
            .arg("--allow-dir")
            .arg(&self.dir)
            .args(&self.extra)
            .env_remove("CONTINUUM_FAULT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(f) = fault {
            cmd.env("CONTINUUM_FAULT", f);
        }
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.contains(&self.url),
            "node did not start: {line:?}; log: {}",
            self.log_text()
        );
        self.child = Some(child);
    }

    /// Waits for the process to die by its injected fault.
    pub fn wait_dead(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        let child = self.child.as_mut().unwrap();
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                self.child = None;
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("started").id()
    }

    /// SIGTERM, then waits (up to 60 s) for a clean exit.
    pub fn terminate(&mut self) {
        let mut c = self.child.take().expect("started");
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = c.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "the node exited with {status} after SIGTERM: {}",
                    self.log_text()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the node did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The admin client of the nodes started in `dir`.
pub fn admin(dir: &Path) -> Client {
    Client::new(Some(token(dir)))
}

pub fn token(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("token"))
        .expect("the first node wrote the token")
        .trim()
        .to_string()
}

/// Makes every two of `nodes` peers (the first pair through the CLI).
pub fn introduce(dir: &Path, nodes: &[&NodeProc]) {
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            let out = Command::new(bin())
                .args(["peers", "introduce", &a.url, &b.url])
                .env("CONTINUUM_TOKEN", token(dir))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "introduce: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Follows an app's stdout across nodes in a thread.
pub fn follower(
    client: &Client,
    from: &str,
    id: &str,
) -> std::thread::JoinHandle<(Vec<u8>, continuum_node::FollowEnd)> {
    let (from, id, client) = (from.to_string(), id.to_string(), client.clone());
    std::thread::spawn(move || {
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        let end = client
            .follow(
                Follow {
                    node: &from,
                    app: &id,
                    stream: "stdout",
                    offset: 0,
                    follow: true,
                    retry_for: Duration::from_secs(60),
                },
                move |b| sink.lock().unwrap().extend_from_slice(b),
            )
            .expect("following the output");
        let bytes = out.lock().unwrap().clone();
        (bytes, end)
    })
}

pub fn start_app(client: &Client, node: &str, wasm: &Path, id: &str, args: &[&str], data: &Path) {
    std::fs::create_dir_all(data).unwrap();
    let module = client
        .put_module(node, &std::fs::read(wasm).unwrap())
        .unwrap();
    let info = client
        .start(
            node,
            &StartRequest {
                module: module.sha256,
                id: Some(id.into()),
                args: args.iter().map(|s| s.to_string()).collect(),
                dirs: vec![dir_map(data)],
                carry_files: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(info.state, AppState::Running);
}

pub fn dir_map(data: &Path) -> DirMap {
    DirMap {
        host: Some(data.display().to_string()),
        guest: ".".into(),
        read_only: false,
    }
}
