//! Running the tools: capture their output, turn failures into [`ToolchainError`]s.

use std::{
    env,
    ffi::OsStr,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use crate::ToolchainError;

/// How many lines of a failed command's output go into the error message: the first
/// [`HEAD_LINES`] (where npm and rustup say what went wrong) and the last [`TAIL_LINES`].
const HEAD_LINES: usize = 8;
const TAIL_LINES: usize = 12;

/// Runs `program args…` in `dir` with no standard input and returns its standard output.
/// A non-zero exit becomes [`ToolchainError::CommandFailed`] with the tail of its output.
pub(crate) fn run(program: &Path, args: &[&str], dir: &Path) -> Result<String, ToolchainError> {
    let command = command_line(program, args);
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| ToolchainError::Spawn { command: command.clone(), source })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    Err(ToolchainError::CommandFailed {
        command,
        dir: dir.to_path_buf(),
        status: status_text(&output),
        stderr_tail: tail(&output),
    })
}

/// The first executable called `name` in the directories of `PATH`.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
}

/// A regular file (after symlinks) that someone may execute.
pub(crate) fn is_executable(path: &Path) -> bool {
    let Ok(meta) = path.metadata() else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

fn command_line(program: &Path, args: &[&str]) -> String {
    let name = program.file_name().unwrap_or(program.as_os_str());
    std::iter::once(name)
        .chain(args.iter().map(OsStr::new))
        .collect::<Vec<_>>()
        .join(OsStr::new(" "))
        .to_string_lossy()
        .into_owned()
}

fn status_text(output: &Output) -> String {
    match output.status.code() {
        Some(code) => format!("exit {code}"),
        None => "killed by a signal".to_owned(),
    }
}

/// The gist of a failed command's standard error (or standard output when that is empty):
/// blank lines and npm's warnings (engine notices, unknown user config) dropped, and only the
/// first and last lines of a long report (npm follows its error with the command's usage).
fn tail(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let text =
        if stderr.trim().is_empty() { String::from_utf8_lossy(&output.stdout) } else { stderr };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && l.trim() != "npm error" && !l.starts_with("npm warn"))
        .collect();
    if lines.is_empty() {
        return "(no output)".to_owned();
    }
    if lines.len() <= HEAD_LINES + TAIL_LINES {
        return lines.join("\n");
    }
    let omitted = lines.len() - HEAD_LINES - TAIL_LINES;
    format!(
        "{}\n… ({omitted} lines omitted) …\n{}",
        lines[..HEAD_LINES].join("\n"),
        lines[lines.len() - TAIL_LINES..].join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_command_reports_status_and_stderr() {
        let sh = Path::new("/bin/sh");
        let err = run(sh, &["-c", "echo out; echo boom >&2; exit 3"], Path::new("/")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("(exit 3): boom"), "{msg}");
        assert!(msg.starts_with("`sh -c "), "{msg}");
    }

    #[test]
    fn long_output_keeps_head_and_tail() {
        let sh = Path::new("/bin/sh");
        let err = run(sh, &["-c", "seq 1 50 >&2; exit 1"], Path::new("/")).unwrap_err();
        let ToolchainError::CommandFailed { stderr_tail, .. } = err else { panic!("{err}") };
        let lines: Vec<&str> = stderr_tail.lines().collect();
        assert_eq!(lines.len(), HEAD_LINES + 1 + TAIL_LINES);
        assert_eq!(lines[0], "1");
        assert_eq!(lines[HEAD_LINES], "… (30 lines omitted) …");
        assert_eq!(lines.last(), Some(&"50"));
    }

    #[test]
    fn npm_warnings_are_dropped() {
        let sh = Path::new("/bin/sh");
        let script =
            "printf 'npm warn EBADENGINE x\\nnpm error code EUSAGE\\nnpm error\\n' >&2; exit 1";
        let err = run(sh, &["-c", script], Path::new("/")).unwrap_err();
        let ToolchainError::CommandFailed { stderr_tail, .. } = err else { panic!("{err}") };
        assert_eq!(stderr_tail, "npm error code EUSAGE");
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let err = run(Path::new("/nonexistent/tool"), &["--version"], Path::new("/")).unwrap_err();
        assert!(matches!(err, ToolchainError::Spawn { .. }), "{err}");
    }

    #[test]
    fn finds_sh_on_path() {
        assert!(find_on_path("sh").is_some());
        assert!(find_on_path("surely-not-a-program-causeway").is_none());
    }
}
