//! `server admin create-user`, run as a process against a test database.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(cli_creates_staff_accounts);

async fn cli_creates_staff_accounts(app: TestApp) {
    let run = |args: &[&str], password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("ONETHING_DATABASE_URL", &app.settings.database_url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn server");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{password}\n").as_bytes())
            .expect("write");
        child.wait_with_output().expect("wait")
    };
    let out = run(
        &[
            "admin",
            "create-user",
            "--role",
            "clerk",
            "--department",
            "tax",
            "--username",
            "clerk-tax-cli",
        ],
        "税务窗口-密码-2024",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created clerk clerk-tax-cli"));
    let b = app.logged_in("clerk-tax-cli", "税务窗口-密码-2024").await;
    assert_eq!(b.get("/api/v1/me").await.1["department"], "tax");

    let out = run(
        &[
            "admin",
            "create-user",
            "--role",
            "clerk",
            "--department",
            "nowhere",
            "--username",
            "x",
        ],
        "123",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("department") && err.contains("password"), "{err}");
}
