/**
 * Desktop notifications (A8: a conflict is shown to the user): `notify-send`
 * (libnotify) on Linux and the BSDs, `osascript` on macOS, a PowerShell
 * toast on Windows. Always an argument array, never a shell. A missing tool,
 * a failure or a hang (5 s) resolves false: a notification is a courtesy,
 * never a reason for the agent to stop.
 */
import { execFile } from "node:child_process";

/** Runs a program; resolves when it exited 0, rejects otherwise. */
export type NotifyRunner = (file: string, args: string[], options: { timeoutMs: number; env?: Record<string, string> }) => Promise<void>;

/** Options of {@link notify}. */
export interface NotifyOptions {
  /** The OS to notify on. @default process.platform */
  platform?: NodeJS.Platform;
  /** How to run the tool. @default execFile with a timeout */
  run?: NotifyRunner;
  /** Longest wait for the tool, ms. @default 5000 */
  timeoutMs?: number;
}

/** The application name shown with the notification. */
export const APP_NAME = "SyncAgent";
const MAX_TITLE = 200;
const MAX_BODY = 1000;

// PowerShell's own AppUserModelID: toasts from an unregistered app id are not shown.
const POWERSHELL_APP_ID = "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe";

/** The toast script; title and body come from the environment, never from the script text. */
const WINDOWS_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] | Out-Null",
  "[Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime] | Out-Null",
  "$t = [System.Security.SecurityElement]::Escape($env:SYNCAGENT_NOTIFY_TITLE)",
  "$b = [System.Security.SecurityElement]::Escape($env:SYNCAGENT_NOTIFY_BODY)",
  "$x = New-Object Windows.Data.Xml.Dom.XmlDocument",
  '$x.LoadXml("<toast><visual><binding template=`"ToastGeneric`"><text>$t</text><text>$b</text></binding></visual></toast>")',
  `[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier('${POWERSHELL_APP_ID}').Show([Windows.UI.Notifications.ToastNotification]::new($x))`,
].join("\n");

/**
 * An AppleScript string literal.
 * @param text Any text.
 * @returns The text in double quotes, with backslashes and quotes escaped.
 */
export function appleScriptString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * What to run to show a notification.
 * @param title One line.
 * @param body The message.
 * @param platform The OS.
 * @returns The program, its arguments and extra environment; null where there is no known way.
 */
export function notificationCommand(
  title: string,
  body: string,
  platform: NodeJS.Platform,
): { file: string; args: string[]; env?: Record<string, string> } | null {
  switch (platform) {
    case "darwin":
      return { file: "osascript", args: ["-e", `display notification ${appleScriptString(body)} with title ${appleScriptString(title)}`] };
    case "win32":
      return {
        file: "powershell.exe",
        args: ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", WINDOWS_SCRIPT],
        env: { SYNCAGENT_NOTIFY_TITLE: title, SYNCAGENT_NOTIFY_BODY: body },
      };
    case "linux":
    case "freebsd":
    case "openbsd":
    case "netbsd":
      // `--` so that a title starting with "-" is not read as an option.
      return { file: "notify-send", args: [`--app-name=${APP_NAME}`, "--", title, body] };
    default:
      return null;
  }
}

/** Runs a program with execFile: no shell, killed at the deadline. */
const execRunner: NotifyRunner = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs, killSignal: "SIGKILL", windowsHide: true, env: options.env ? { ...process.env, ...options.env } : process.env },
      (error) => (error ? reject(new Error(error.message)) : resolve()),
    );
  });

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Shows a desktop notification.
 * @param title One line.
 * @param body The message.
 * @param options Platform, runner and timeout.
 * @returns True when the tool ran and succeeded; false otherwise (never throws, never waits past the timeout).
 */
export async function notify(title: string, body: string, options: NotifyOptions = {}): Promise<boolean> {
  const command = notificationCommand(clip(title, MAX_TITLE), clip(body, MAX_BODY), options.platform ?? process.platform);
  if (!command) return false;
  const timeoutMs = options.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs + 500);
  });
  const ran = (async () => {
    try {
      await (options.run ?? execRunner)(command.file, command.args, { timeoutMs, env: command.env });
      return true;
    } catch {
      return false;
    }
  })();
  try {
    return await Promise.race([ran, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
