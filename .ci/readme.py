#!/usr/bin/env python3
"""Runs the README's commands top to bottom, as a new user would: on a fresh clone of this
repository, in a fresh home directory, with cargo's bin directory of that home on PATH.

- Each ```sh block runs line by line with bash in the clone; a line ending in `&` runs in the
  background (until the end), and the next line waits for its first line of output.
- A ```powershell block of `PS> ` lines is typed into the REPL opened by the `ccrsh` line just
  before it, on a pseudo-terminal; a Confirm prompt is answered `Y`. At the end the REPL must
  report no errors (`$Error.Count` is 0).
- `cargo test` is skipped when README_SKIP_TESTS=1 (.ci/run has just run the suite).
- With README_DEV_BUILD=1, `cargo install` gets `--debug` (and `cargo build --release` loses
  `--release`): the same commands build and install the same two binaries, in the dev profile
  the suite has just built, so that with the suite's CARGO_TARGET_DIR only what differs is
  compiled (the crate itself, from the clone, and the few dependencies whose features the
  tests' dev-dependencies change) instead of a second, optimised build of everything.

The toolchain and the crate cache are the machine's (RUSTUP_HOME, CARGO_HOME), not the home's:
a new user has them too. `cargo install` installs into the fresh home (CARGO_INSTALL_ROOT).
CARGO_TARGET_DIR, if set, is kept so that repeated runs reuse the build.

Usage: .ci/readme.py            (exit 0 when every command succeeded)
"""

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A command (the first build above all) may take long on a busy machine; a REPL answer may not.
COMMAND_TIMEOUT = 3600
TIMEOUT = 600


def blocks(readme):
    """(language, lines) for each fenced block, in order."""
    found, language, lines = [], None, []
    for line in readme.splitlines():
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence and language is None:
            language, lines = fence.group(1), []
        elif fence:
            found.append((language, lines))
            language = None
        elif language is not None:
            lines.append(line)
    return found


def environment(home):
    env = dict(os.environ)
    cargo_home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    rustup_home = os.environ.get("RUSTUP_HOME", os.path.expanduser("~/.rustup"))
    env.update(
        HOME=home,
        CARGO_HOME=cargo_home,
        RUSTUP_HOME=rustup_home,
        CARGO_INSTALL_ROOT=os.path.join(home, ".cargo"),
        PATH=os.path.join(home, ".cargo", "bin") + os.pathsep + os.environ.get("PATH", ""),
        NO_COLOR="1",
        TERM="xterm",
    )
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "CCRSH_LAB", "CCRSH_SERVER", "CCRSH_TOKEN"):
        env.pop(name, None)
    return env


def dev_build(line):
    """The README's cargo build or install command in the dev profile (README_DEV_BUILD=1)."""
    words = line.split()
    if words[:2] == ["cargo", "install"] and "--debug" not in words:
        return line + " --debug"
    if words[:2] == ["cargo", "build"] and "--release" in words:
        return " ".join(w for w in words if w != "--release")
    return line


def run_line(line, cwd, env, background):
    print(f"$ {line}", flush=True)
    if line.rstrip().endswith("&"):
        log = tempfile.TemporaryFile()
        process = subprocess.Popen(["bash", "-c", line.rstrip()[:-1]], cwd=cwd, env=env, stdout=log, stderr=log)
        background.append((process, log))
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            log.seek(0)
            if log.read().strip() or process.poll() is not None:
                break
            time.sleep(0.1)
        log.seek(0)
        output = log.read().decode(errors="replace")
        print(output, end="", flush=True)
        if process.poll() not in (None, 0):
            return False
        return True
    result = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, timeout=COMMAND_TIMEOUT)
    return result.returncode == 0


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def repl(command, typed, cwd, env):
    """Opens `command` (a ccrsh REPL) on a pseudo-terminal and types each line of `typed` once
    the shell waits at its prompt (the screen ends with `PS> ` and nothing more comes), answers
    Confirm prompts with Y, then checks that `$Error` is empty before `exit`."""
    print(f"$ {command}", flush=True)
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execvpe("bash", ["bash", "-c", command], env)

    def wait():
        """Reads until the shell waits for input; returns ('prompt' | 'confirm' | None, text)."""
        data = bytearray()
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.3)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                data.extend(chunk)
                continue
            # Quiet: is the shell waiting?
            screen = ANSI.sub("", data.decode(errors="replace")).replace("\r", "")
            if screen.endswith("PS> "):
                return "prompt", screen
            if screen.endswith('(default is "Y"): '):
                return "confirm", screen
        screen = ANSI.sub("", data.decode(errors="replace")).replace("\r", "")
        return None, screen

    def send(text):
        os.write(fd, text.encode() + b"\r")

    lines = [l for l in typed if l.strip() != "exit"] + ["$Error.Count"]
    state, screen = wait()
    print(screen, end="", flush=True)
    ok = state == "prompt"
    for line in lines:
        if not ok:
            break
        send(line)
        while True:
            state, screen = wait()
            print(screen, end="", flush=True)
            if state == "confirm":
                send("Y")
                continue
            ok = state == "prompt"
            break
    # The last screen is that of `$Error.Count`: its own line holds the count.
    counted = [l.strip() for l in screen.split("\n") if l.strip().isdigit()]
    if ok and counted[-1:] != ["0"]:
        print(f"\nthe REPL reported errors ($Error.Count: {counted[-1:] or 'not shown'})", flush=True)
        ok = False
    send("exit")
    wait()
    _, status = os.waitpid(pid, 0)
    print(flush=True)
    return ok and os.waitstatus_to_exitcode(status) == 0


def main():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    work = tempfile.mkdtemp(prefix="ccrsh-readme-")
    background = []
    failed = []
    try:
        home = os.path.join(work, "home")
        os.makedirs(home)
        clone = os.path.join(work, "ccrsh")
        subprocess.run(["git", "clone", "--quiet", "--no-local", ROOT, clone], check=True)
        env = environment(home)
        pending_repl = None
        for language, lines in blocks(readme):
            if language == "powershell" and pending_repl:
                typed = [l.split("PS> ", 1)[1] for l in lines if l.startswith("PS> ")]
                if not repl(pending_repl, typed, clone, env):
                    failed.append(pending_repl)
                pending_repl = None
                continue
            if language != "sh":
                continue
            for line in lines:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if line == "cargo test" and os.environ.get("README_SKIP_TESTS") == "1":
                    print("$ cargo test   (skipped: .ci/run has run the suite)", flush=True)
                    continue
                if os.environ.get("README_DEV_BUILD") == "1":
                    line = dev_build(line)
                if re.fullmatch(r"ccrsh( --lab \S+)?", line):
                    pending_repl = line
                    continue
                if not run_line(line, clone, env, background):
                    failed.append(line)
    finally:
        for process, log in background:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        shutil.rmtree(work, ignore_errors=True)
    if failed:
        print("\nREADME commands that failed:\n  " + "\n  ".join(failed))
        return 1
    print("\nEvery README command succeeded.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
