#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(unix)]
//! `check-workspace --fix --write` writes the file the path finally names, keeps its owner and
//! mode, and refuses, with nothing written and no temporary file left, what it could not
//! replace faithfully: a pipe, a read-only file, a file the caller may not write, a file with
//! another hard link, a file whose owner cannot be kept, a file changed since it was read.

use regionfence::cli::write_back::{read_for_write, write_if_unchanged, WriteBackError};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A configuration with one fix (the US host of a source), compliant once fixed.
const CONFIG: &str = "version: 1\nworkspace: acme   # ours\nregion: eu-west\nsources:\n  - {id: api, source: node-js, host: api.segment.io}\n";
const FIXED_HOST: &str = "host: events.eu1.segmentapis.com}";
const LIMIT: usize = 1 << 20;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(args)
        .output()
        .unwrap()
}

fn fix_write(path: &Path) -> Output {
    run(&["check-workspace", path.to_str().unwrap(), "--fix", "--write"])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An empty folder unique to this test process and `name`.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("regionfence-fw-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether the tests run as root, by the owner of a folder they made.
fn is_root(dir: &Path) -> bool {
    std::fs::metadata(dir).unwrap().uid() == 0
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// A refusal: exit 1, the path named on standard error, nothing on disk changed.
fn assert_refused(o: &Output, path: &Path, why: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    let err = stderr(o);
    assert!(err.contains(path.to_str().unwrap()), "{err}");
    assert!(err.contains(why), "{err}");
    assert!(err.contains("nothing written"), "{err}");
}

#[test]
fn a_link_is_followed_the_target_is_fixed_and_the_link_is_kept() {
    let links = folder("link/links");
    let files = folder("link/files");
    let real = files.join("real.yaml");
    std::fs::write(&real, CONFIG).unwrap();
    let link = links.join("link.yaml");
    std::os::unix::fs::symlink("../files/real.yaml", &link).unwrap();

    let o = fix_write(&link);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("../files/real.yaml")
    );
    let written = std::fs::read_to_string(&real).unwrap();
    assert!(written.contains(FIXED_HOST), "{written}");
    assert!(written.contains("workspace: acme   # ours\n"), "{written}");
    // The temporary file was made beside the target, and is gone.
    assert_eq!(names(&links), ["link.yaml"]);
    assert_eq!(names(&files), ["real.yaml"]);
}

#[test]
fn a_chain_of_links_is_followed_to_its_end() {
    let dir = folder("chain");
    let real = dir.join("real.yaml");
    std::fs::write(&real, CONFIG).unwrap();
    std::os::unix::fs::symlink(&real, dir.join("one.yaml")).unwrap();
    std::os::unix::fs::symlink("one.yaml", dir.join("two.yaml")).unwrap();

    let o = fix_write(&dir.join("two.yaml"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for link in ["one.yaml", "two.yaml"] {
        let kind = std::fs::symlink_metadata(dir.join(link)).unwrap().file_type();
        assert!(kind.is_symlink(), "{link} was replaced");
    }
    assert!(std::fs::read_to_string(&real).unwrap().contains(FIXED_HOST));
    assert_eq!(names(&dir), ["one.yaml", "real.yaml", "two.yaml"]);
}

/// What `/dev/stdin` is, a link to `/proc/self/fd/0`, with a file on standard input: the file
/// is written, the link stays.
#[cfg(target_os = "linux")]
#[test]
fn a_link_to_standard_input_writes_the_file_behind_it_and_keeps_the_link() {
    let dir = folder("stdin");
    let real = dir.join("real.yaml");
    std::fs::write(&real, CONFIG).unwrap();
    let link = dir.join("stdin");
    std::os::unix::fs::symlink("/proc/self/fd/0", &link).unwrap();

    let o = Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(["check-workspace", link.to_str().unwrap(), "--fix", "--write"])
        .stdin(std::fs::File::open(&real).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("/proc/self/fd/0"));
    assert!(std::fs::read_to_string(&real).unwrap().contains(FIXED_HOST));
    assert_eq!(names(&dir), ["real.yaml", "stdin"]);
}

#[test]
fn a_pipe_and_a_link_to_one_are_refused_and_left_as_they_were() {
    let dir = folder("pipe");
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let link = dir.join("stdin");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    for path in [&fifo, &link] {
        let o = fix_write(path);
        assert_refused(&o, path, "not a regular file");
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_link(&link).unwrap(), fifo);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names(&dir), ["fifo", "stdin"]);
}

#[test]
fn a_read_only_file_is_refused_and_left_unchanged() {
    let dir = folder("read-only");
    let path = dir.join("ro.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::metadata(&path).unwrap();

    let o = fix_write(&path);
    assert_refused(&o, &path, "read-only");
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CONFIG);
    assert_eq!((after.ino(), after.mode()), (before.ino(), before.mode()));
    assert_eq!(names(&dir), ["ro.yaml"]);
}

#[test]
fn a_refused_file_stops_the_run_before_any_file_is_written() {
    let dir = folder("several");
    let good = dir.join("good.yaml");
    let ro = dir.join("ro.yaml");
    std::fs::write(&good, CONFIG).unwrap();
    std::fs::write(&ro, CONFIG).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();

    let o = run(&[
        "check-workspace",
        good.to_str().unwrap(),
        ro.to_str().unwrap(),
        "--fix",
        "--write",
    ]);
    assert_refused(&o, &ro, "read-only");
    assert_eq!(std::fs::read_to_string(&good).unwrap(), CONFIG);
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), CONFIG);
    assert_eq!(names(&dir), ["good.yaml", "ro.yaml"]);
}

#[test]
fn the_owner_and_the_mode_are_kept() {
    let dir = folder("owner");
    let path = dir.join("theirs.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let root = is_root(&dir);
    if root {
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let before = std::fs::metadata(&path).unwrap();

    let o = fix_write(&path);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&path).unwrap().contains(FIXED_HOST));
    let after = std::fs::metadata(&path).unwrap();
    assert_ne!(after.ino(), before.ino(), "written by a rename");
    assert_eq!(after.mode() & 0o7777, 0o640);
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    if root {
        assert_eq!((after.uid(), after.gid()), (65534, 65534));
    }
    assert_eq!(names(&dir), ["theirs.yaml"]);
}

#[test]
fn a_file_with_another_hard_link_is_refused_and_the_link_kept() {
    let dir = folder("hard-link");
    let path = dir.join("one.yaml");
    let other = dir.join("other.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    std::fs::hard_link(&path, &other).unwrap();

    let o = fix_write(&path);
    assert_refused(&o, &path, "2 hard links");
    let (a, b) = (
        std::fs::metadata(&path).unwrap(),
        std::fs::metadata(&other).unwrap(),
    );
    assert_eq!((a.ino(), a.nlink()), (b.ino(), 2));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CONFIG);
    assert_eq!(names(&dir), ["one.yaml", "other.yaml"]);
}

/// Run by the system's `nobody` (root only: elsewhere there is no other user to be).
fn fix_write_as_nobody(path: &Path) -> Output {
    use std::os::unix::process::CommandExt;
    Command::new(env!("CARGO_BIN_EXE_regionfence"))
        .args(["check-workspace", path.to_str().unwrap(), "--fix", "--write"])
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap()
}

/// A folder anyone may write, so only the file's own permissions stand in the way.
fn open_folder(name: &str) -> PathBuf {
    let dir = folder(name);
    for d in [dir.parent().unwrap(), &dir] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    dir
}

#[test]
fn a_file_the_caller_may_not_write_is_refused_even_in_a_folder_it_may_write() {
    let dir = folder("not-writable");
    if !is_root(&dir) {
        return;
    }
    let dir = open_folder("not-writable");
    let path = dir.join("roots.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

    let o = fix_write_as_nobody(&path);
    assert_refused(&o, &path, "not writable");
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CONFIG);
    assert_eq!(after.uid(), 0);
    assert_eq!(names(&dir), ["roots.yaml"]);
}

#[test]
fn a_file_whose_owner_cannot_be_kept_is_refused() {
    let dir = folder("owner-lost");
    if !is_root(&dir) {
        return;
    }
    // Anyone may write the file, but only root may give the new file root's ownership.
    let dir = open_folder("owner-lost");
    let path = dir.join("shared.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();

    let o = fix_write_as_nobody(&path);
    assert_refused(&o, &path, "cannot keep the owner 0:0");
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CONFIG);
    assert_eq!((after.uid(), after.gid()), (0, 0));
    assert_eq!(names(&dir), ["shared.yaml"]);
}

// -------------------------------------------------------------------------------------------
// Between the read and the write, through the library: the read, a change, the write.

fn fixed(text: &str) -> String {
    text.replace("host: api.segment.io}", FIXED_HOST)
}

#[test]
fn an_unchanged_file_is_written() {
    let dir = folder("lib-unchanged");
    let path = dir.join("ws.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let snapshot = read_for_write(&path, LIMIT).unwrap();
    assert_eq!(snapshot.text(), CONFIG);
    write_if_unchanged(&snapshot, &fixed(snapshot.text())).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), fixed(CONFIG));
    assert_eq!(names(&dir), ["ws.yaml"]);
}

#[test]
fn a_line_appended_after_the_read_is_kept_and_nothing_written() {
    let dir = folder("lib-appended");
    let path = dir.join("ws.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let snapshot = read_for_write(&path, LIMIT).unwrap();
    let appended = format!("{CONFIG}# added by someone else\n");
    std::fs::write(&path, &appended).unwrap();

    let e = write_if_unchanged(&snapshot, &fixed(snapshot.text())).unwrap_err();
    assert!(matches!(e, WriteBackError::Changed { .. }), "{e:?}");
    assert!(
        e.to_string()
            .ends_with("ws.yaml: changed while fixing, nothing written"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), appended);
    assert_eq!(names(&dir), ["ws.yaml"]);
}

#[test]
fn a_change_of_the_same_length_with_the_time_put_back_is_detected() {
    let dir = folder("lib-same-length");
    let path = dir.join("ws.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let snapshot = read_for_write(&path, LIMIT).unwrap();
    let edited = CONFIG.replace("acme", "ACME");
    std::fs::write(&path, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let now = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (now.len(), now.modified().unwrap()),
        (CONFIG.len() as u64, modified)
    );

    let e = write_if_unchanged(&snapshot, &fixed(snapshot.text())).unwrap_err();
    assert!(matches!(e, WriteBackError::Changed { .. }), "{e:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    assert_eq!(names(&dir), ["ws.yaml"]);
}

#[test]
fn a_file_replaced_after_the_read_is_not_written() {
    let dir = folder("lib-replaced");
    let path = dir.join("ws.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let snapshot = read_for_write(&path, LIMIT).unwrap();
    // The same text, in a new file under the same name.
    std::fs::write(dir.join("new"), CONFIG).unwrap();
    std::fs::rename(dir.join("new"), &path).unwrap();

    let e = write_if_unchanged(&snapshot, &fixed(CONFIG)).unwrap_err();
    assert!(matches!(e, WriteBackError::Changed { .. }), "{e:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CONFIG);
    assert_eq!(names(&dir), ["ws.yaml"]);
}

#[test]
fn a_pipe_put_in_the_files_place_after_the_read_is_refused() {
    let dir = folder("lib-pipe");
    let path = dir.join("ws.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let snapshot = read_for_write(&path, LIMIT).unwrap();
    std::fs::remove_file(&path).unwrap();
    mkfifo(&path);

    let e = write_if_unchanged(&snapshot, &fixed(CONFIG)).unwrap_err();
    assert!(matches!(e, WriteBackError::NotRegularFile { .. }), "{e:?}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&path).unwrap().file_type().is_fifo());
    assert_eq!(names(&dir), ["ws.yaml"]);
}

#[test]
fn a_hard_link_made_after_the_read_is_not_broken() {
    let dir = folder("lib-hard-link");
    let path = dir.join("ws.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let snapshot = read_for_write(&path, LIMIT).unwrap();
    std::fs::hard_link(&path, dir.join("other.yaml")).unwrap();

    let e = write_if_unchanged(&snapshot, &fixed(CONFIG)).unwrap_err();
    assert!(matches!(e, WriteBackError::HardLinks { links: 2, .. }), "{e:?}");
    assert_eq!(std::fs::metadata(&path).unwrap().nlink(), 2);
    assert_eq!(std::fs::read_to_string(dir.join("other.yaml")).unwrap(), CONFIG);
    assert_eq!(names(&dir), ["other.yaml", "ws.yaml"]);
}

#[test]
fn a_read_only_mode_set_after_the_read_is_refused() {
    let dir = folder("lib-read-only");
    let path = dir.join("ws.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let snapshot = read_for_write(&path, LIMIT).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();

    let e = write_if_unchanged(&snapshot, &fixed(CONFIG)).unwrap_err();
    assert!(matches!(e, WriteBackError::ReadOnly { mode: 0o444, .. }), "{e:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CONFIG);
    assert_eq!(names(&dir), ["ws.yaml"]);
}
