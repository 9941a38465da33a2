//! The command line's own description: shell completions and man pages, as a shell and `man` take them.

use std::process::Command;

use crate::cli_embed::insights;

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_name_every_command_and_parse_in_bash() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(insights().args(["completions", shell]));
        for word in ["report", "similar", "duplicates", "date-from", "topics"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("insights.bash");
    std::fs::write(&path, stdout_of(insights().args(["completions", "bash"]))).unwrap();
    let checked = Command::new("bash").arg("-n").arg(&path).status().expect("bash runs");
    assert!(checked.success(), "the bash script does not parse");
}

#[test]
fn man_pages_cover_insights_and_each_command() {
    let page = stdout_of(insights().arg("man"));
    assert!(page.contains(".TH insights 1"), "{page}");
    for command in [
        "report",
        "index",
        "clusters",
        "neighbors",
        "duplicates",
        "similar",
        "embed",
        "models",
    ] {
        assert!(page.contains(command), "the page lists {command}");
        let sub = stdout_of(insights().args(["man", command]));
        assert!(sub.contains(&format!(".TH insights-{command} 1")), "{sub}");
    }
    let similar = stdout_of(insights().args(["man", "similar"]));
    assert!(similar.contains("said\\-before"), "options are described");
    let out = insights().args(["man", "nosuch"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no command \"nosuch\"; the commands are report, index"),
        "{stderr}"
    );
}

/// #12's rule for the source tree: no two files of one folder import each other, directly or round a loop (mod.rs
/// counted as a file, its re-exports resolved to the files that define them). Checked by
/// `scripts/import_cycles.py`, which names each cycle it finds.
#[test]
fn no_import_cycles_between_the_files_of_a_folder() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("scripts/import_cycles.py"))
        .arg(root.join("src"))
        .output()
        .expect("python3 runs scripts/import_cycles.py");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report.trim(), "0 cycles", "import cycles:\n{report}");

    // The check itself: a mod.rs that uses a file's item while that file uses mod.rs's is a cycle; re-exporting
    // the file's item is not, and neither is a file using a sibling through a re-export.
    let tree = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = tree.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let check = || {
        let out = Command::new("python3")
            .arg(root.join("scripts/import_cycles.py"))
            .arg(tree.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    write("lib.rs", "pub mod a;\n");
    write("a/mod.rs", "mod b;\nmod c;\npub use b::f;\npub struct T;\n");
    write("a/b.rs", "use super::T;\npub fn f(_: T) {}\n");
    write("a/c.rs", "use super::f;\npub fn g() { f(super::T) }\n");
    assert_eq!(check(), "0 cycles");
    write(
        "a/mod.rs",
        "mod b;\nmod c;\nuse b::f;\npub struct T;\npub fn h() { f(T) }\n",
    );
    assert_eq!(check(), "a: b -> mod -> b\n1 cycles");
}
