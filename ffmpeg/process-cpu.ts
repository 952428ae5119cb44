/**
 * Every ffmpeg and ffprobe runs under a small Perl parent that reports what the kernel
 * charged for the whole process: user + system CPU of it and all its threads, from the
 * moment it was started to its exit, start-up and input probing included.
 *
 * Why not ffmpeg's own `-benchmark` figure: its clock starts after the libraries are loaded
 * and the inputs opened and probed, 0.06 to 0.08 s of CPU per process with Debian's build
 * (215 shared libraries); ffprobe reports nothing at all. A title's analysis runs a dozen
 * short processes, and that figure left a quarter of its CPU uncounted (bench:ladder, against
 * the kernel's account of the worker's children). Why not Node: it reaps its children without
 * their resource usage, and /proc/<pid> is gone by the time it says a child exited.
 *
 * Perl is part of every Debian and Ubuntu system (`perl-base` is Essential). The parent:
 * - reports the program's pid first, so that a cancellation that has to SIGKILL reaches the
 *   program and not only its parent;
 * - relays SIGTERM and SIGINT to the program, also one that came before it was started;
 * - after the program exits, reports its wait status and CPU (`times`, the children's share:
 *   the kernel's clock ticks, 10 ms) and ends the way the program ended, by the same signal
 *   or with the same exit code;
 * - reports an `exec` failure (no such program) instead of an exit code.
 * The program does not inherit the report channel (fd 3).
 */
const PARENT = [
  // No modules: loading POSIX and Fcntl cost 10 ms of CPU a run. 2 and 1 are Linux's
  // F_SETFD and FD_CLOEXEC; the forked child runs no END blocks and flushes nothing, so a
  // plain `exit` is safe there.
  'use strict;',
  'open(my $r, ">&=", 3) or die "vodforge: no report channel: $!\\n";',
  'select((select($r), $| = 1)[0]);',
  'fcntl($r, 2, 1);',
  'my ($pid, $pending);',
  'for my $s (qw(TERM INT)) { $SIG{$s} = sub { if ($pid) { kill $s, $pid } else { $pending = $s } } }',
  '$pid = fork; defined $pid or die "vodforge: fork: $!\\n";',
  'if ($pid == 0) { exec { $ARGV[0] } @ARGV; print $r "exec-failed $!\\n"; exit 127; }',
  'print $r "pid $pid\\n";',
  'kill $pending, $pid if defined $pending;',
  'waitpid($pid, 0); my $status = $?;',
  'my (undef, undef, $cu, $cs) = times;',
  'print $r "end $status $cu $cs\\n"; close $r;',
  'if ($status & 127) { $SIG{TERM} = $SIG{INT} = "DEFAULT"; kill $status & 127, $$; sleep 1; exit 128 + ($status & 127); }',
  'exit($status >> 8);',
].join('\n');

/** The command that runs `program` with `args` under the reporting parent; its report comes on fd 3. */
export function cpuReportingCommand(program: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: 'perl', args: ['-e', PARENT, '--', program, ...args] };
}

/** One line of the parent's report. */
export type ProcessReport =
  | { readonly kind: 'pid'; readonly pid: number }
  | { readonly kind: 'exec-failed'; readonly message: string }
  | { readonly kind: 'end'; readonly status: number; readonly cpuS: number };

/** Parses one report line; `undefined` for anything else. */
export function parseProcessReport(line: string): ProcessReport | undefined {
  const pid = /^pid (\d+)$/.exec(line);
  if (pid !== null) return { kind: 'pid', pid: Number(pid[1]) };
  if (line.startsWith('exec-failed ')) return { kind: 'exec-failed', message: line.slice('exec-failed '.length) };
  const end = /^end (\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line);
  if (end !== null) return { kind: 'end', status: Number(end[1]), cpuS: Number(end[2]) + Number(end[3]) };
  return undefined;
}
