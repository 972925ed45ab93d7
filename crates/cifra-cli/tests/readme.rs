//! The README's commands run as a newcomer would run them, on a fresh clone: every
//! example on real elections succeeds, and the lottery section's `printf | sha256sum`
//! lines print the digests it shows, which are the tickets cifra draws with.

use cifra_core::lottery::{DrawItem, Lottery, Purpose};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The shell commands of the first ```sh block after `heading`: comment lines dropped,
/// continuation lines (ending in `\`) joined.
fn sh_block(readme: &str, heading: &str) -> Vec<(String, Vec<String>)> {
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading}"));
    let body = &readme[start..];
    let body = &body[body.find("```sh\n").unwrap() + 6..];
    let body = &body[..body.find("```").unwrap()];
    let mut commands: Vec<(String, Vec<String>)> = Vec::new();
    let mut pending = String::new();
    for line in body.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            // A comment right after a command is what the command prints.
            if let Some(last) = commands.last_mut() {
                last.1.push(comment.to_string());
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(line);
                commands.push((std::mem::take(&mut pending), Vec::new()));
            }
        }
    }
    commands
}

/// Runs `command` with `sh` in `dir`, `cifra` being this build's binary.
fn sh(command: &str, dir: &Path) -> std::process::Output {
    let script = format!(
        "cifra() {{ \"{}\" \"$@\"; }}\n{command}",
        env!("CARGO_BIN_EXE_cifra")
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn every_example_on_real_elections_runs_on_a_fresh_clone() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("data"), dir.path().join("data")).unwrap();
    let commands = sh_block(&readme(), "## Examples on real elections");
    let cifra: Vec<&String> = commands
        .iter()
        .map(|(c, _)| c)
        .filter(|c| c.starts_with("cifra "))
        .collect();
    assert!(cifra.len() >= 7, "{cifra:?}");
    for command in cifra {
        let out = sh(command, dir.path());
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty() || command.contains('>'), "{command}");
    }
}

#[test]
fn the_lottery_example_recomputes_cifras_tickets_with_sha256sum() {
    let commands = sh_block(&readme(), "## Lottery tickets");
    let dir = tempfile::tempdir().unwrap();
    let lottery = Lottery::new(1925);
    let items = [
        DrawItem::quotient("A", "list A", 2),
        DrawItem::quotient("B", "list B", 1),
    ];
    let digests: Vec<&(String, Vec<String>)> = commands
        .iter()
        .filter(|(c, _)| c.contains("sha256sum"))
        .collect();
    assert_eq!(digests.len(), items.len());
    for ((command, shown), item) in digests.into_iter().zip(&items) {
        let out = sh(command, dir.path());
        assert!(out.status.success(), "{command}");
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed.trim_end(), shown[0], "{command}");
        let ticket: String = lottery
            .ticket("1", Purpose::ListSeats, "", item)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(shown[0], format!("{ticket}  -"), "{command}");
    }
    // The tally the section shows draws exactly that.
    let commands = sh_block(
        &readme()[readme().find("## Lottery tickets").unwrap() + 1..],
        "B's ticket is the smaller",
    );
    let (command, shown) = &commands[0];
    let out = sh(command, dir.path());
    assert!(out.status.success(), "{command}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&shown[0]), "{command}:\n{text}");
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

#[test]
fn the_election_night_walk_through_runs_as_written() {
    let readme = readme();
    let start = readme.find("A real night, step by step").unwrap();
    let body = &readme[start..];
    let body = &body[body.find("```sh\n").unwrap() + 6..];
    let body = &body[..body.find("```").unwrap()];
    // Another port than the README's, in case 8080 is taken here.
    let script = body.replace("127.0.0.1:8080", &format!("127.0.0.1:{}", free_port()));
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("data"), dir.path().join("data")).unwrap();
    // `cifra` on the PATH (not a shell function), so that `$!` is the server itself.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cifra"), bin.join("cifra")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("PATH", path)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("46,606 actas: 46,606 recorded, 0 unchanged, 0 refused\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("outcome: runoff: kast vs boric (final)"),
        "{stdout}"
    );
    assert!(stdout.contains("verified\n"), "{stdout}");
    assert!(
        stdout.contains("mesa ANTOFAGASTA NORTE/126: entry"),
        "{stdout}"
    );
}
