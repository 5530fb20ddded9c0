"""Reading a crontab: environment lines, time fields and macros, cron's `%` rules, names, and
a bad line named by its number."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.cron_names import command_name
from app.core.crontab import env_line, join_percent, read_crontab, split_percent
from app.core.errors import ValidationError
from app.core.schedule import Schedule, next_fire_times, system_timezone_name
from app.core.task import Action

NOW = datetime(2027, 1, 4, tzinfo=UTC)


def tasks(text: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {t.name: t.data for t in read_crontab(text).tasks}


def test_comments_blank_lines_and_five_fields() -> None:
    plan = read_crontab("# m h dom mon dow command\n\n   \n  # indented comment\n"
                        "*/15 8-18 * jan-mar,dec mon-fri /usr/bin/fetch --all\n")
    (task,) = plan.tasks
    assert task.origin == "line 5"
    assert task.data["schedule"] == {"kind": "cron", "expr": "*/15 8-18 * jan-mar,dec mon-fri"}
    assert task.data["action"] == {"kind": "command", "argv": ["/usr/bin/fetch --all"],
                                   "shell": True, "cwd": None, "line": "/usr/bin/fetch --all"}
    assert task.data["timezone"] == system_timezone_name()
    assert task.data["catch_up"] == "skip"  # cron never runs a job it missed
    assert task.data["tags"] == ["crontab"]
    assert plan.notes == []
    (spec,) = plan.specs(NOW)
    assert spec.action.shell and spec.action.stdin is None and spec.action.shell_program is None


def test_environment_lines_apply_to_the_lines_below_them_only() -> None:
    found = tasks("0 1 * * * first\n"
                  "PATH = /opt/bin:/usr/bin\n"
                  "GREETING=\"hello  world\"\n"
                  "0 2 * * * second\n"
                  "GREETING='bye'\n"
                  "EMPTY=\n"
                  "0 3 * * * third\n")
    assert found["first"]["env"] == {}
    assert found["second"]["env"] == {"PATH": "/opt/bin:/usr/bin", "GREETING": "hello  world"}
    assert found["third"]["env"] == {"PATH": "/opt/bin:/usr/bin", "GREETING": "bye",
                                     "EMPTY": ""}


def test_env_line_is_told_from_an_entry_as_cron_does() -> None:
    assert env_line("A=1") == ("A", "1")
    assert env_line('  B  =  " spaced "  ') == ("B", " spaced ")
    assert env_line("C = 'x=y'") == ("C", "x=y")
    assert env_line('"D"=4') == ("D", "4")
    assert env_line("* * * * * FOO=bar cmd") is None
    assert env_line("0 2 * * * x=1") is None
    assert env_line("@daily X=1 run") is None


def test_cron_tz_and_tz_set_the_time_zone_of_the_lines_below() -> None:
    found = tasks("0 1 * * * here\nCRON_TZ=Asia/Tokyo\n0 2 * * * tokyo\n"
                  "TZ=America/New_York\n0 3 * * * york\n")
    assert found["here"]["timezone"] == system_timezone_name()
    assert found["tokyo"]["timezone"] == "Asia/Tokyo" and found["tokyo"]["env"] == {}
    # TZ is also what the command sees, as under cron
    assert found["york"]["timezone"] == "America/New_York"
    assert found["york"]["env"] == {"TZ": "America/New_York"}


def test_shell_is_the_program_the_command_runs_with() -> None:
    found = tasks("0 1 * * * plain\nSHELL=/bin/bash\n0 2 * * * bashed\n"
                  "SHELL=/bin/sh\n0 3 * * * back\n")
    assert "shell_program" not in found["plain"]["action"]
    assert found["bashed"]["action"]["shell_program"] == "/bin/bash"
    assert "shell_program" not in found["back"]["action"]
    assert "SHELL" not in found["bashed"]["env"]


def test_cronies_no_syslog_dash_is_read_and_named() -> None:
    plan = read_crontab("-*/5 * * * * /bin/quiet\n")
    assert plan.tasks[0].data["schedule"]["expr"] == "*/5 * * * *"
    assert plan.notes == ["line 1: '-' (no syslog entry) has no meaning in Tickwork"]


def test_mail_settings_are_named_as_not_mapped() -> None:
    plan = read_crontab("MAILTO=me@example.com\nRANDOM_DELAY=10\n0 1 * * * job\n")
    assert [n.split(":")[0] for n in plan.notes] == ["line 1", "line 2"]
    assert "sends no mail" in plan.notes[0] and "random delay" in plan.notes[1]
    assert plan.tasks[0].data["env"] == {}


@pytest.mark.parametrize(("macro", "expr"), [
    ("@yearly", "@yearly"), ("@annually", "@annually"), ("@monthly", "@monthly"),
    ("@weekly", "@weekly"), ("@daily", "@daily"), ("@midnight", "@midnight"),
    ("@hourly", "@hourly"), ("@reboot", "@reboot"), ("@DAILY", "@daily"),
])
def test_macros(macro: str, expr: str) -> None:
    plan = read_crontab(f"{macro}\t/usr/bin/job --x\n")
    (task,) = plan.tasks
    assert task.data["schedule"]["expr"] == expr
    assert task.data["action"]["line"] == "/usr/bin/job --x"
    (spec,) = plan.specs(NOW)
    assert spec.schedule.is_startup == (expr == "@reboot")
    assert ("engine start after each boot" in " ".join(task.notes)) == (expr == "@reboot")


def test_both_day_fields_restricted_fire_on_either_as_vixie_cron_does() -> None:
    (spec,) = read_crontab("0 6 13 * fri x\n").specs(NOW)
    fires = next_fire_times(spec.schedule, ZoneInfo(spec.timezone), NOW, 6)
    local = [f.astimezone(ZoneInfo(spec.timezone)) for f in fires]
    assert all(f.day == 13 or f.weekday() == 4 for f in local)
    assert any(f.day == 13 and f.weekday() != 4 for f in local)
    assert any(f.weekday() == 4 and f.day != 13 for f in local)


@pytest.mark.parametrize(("text", "command", "stdin"), [
    ("echo hi", "echo hi", None),
    ("date +\\%Y-\\%m-\\%d", "date +%Y-%m-%d", None),
    ("mail -s hi me%Dear me,%%all is well%", "mail -s hi me", "Dear me,\n\nall is well\n"),
    ("cat%100\\% sure", "cat", "100% sure\n"),
    ("cat%a\\b", "cat", "a\\b\n"),
    ("cat%", "cat", ""),
    ("x\\\\%y", "x\\\\", "y\n"),  # an escaped backslash leaves the % unescaped
    ("printf '\\n'", "printf '\\n'", None),  # other backslashes stay as they are
])
def test_percent_rules(text: str, command: str, stdin: str | None) -> None:
    assert split_percent(text) == (command, stdin)


def test_a_percent_line_keeps_its_stdin_in_the_task() -> None:
    plan = read_crontab("0 9 * * 1 mail -s 'weekly' me%Hello,%the report is\\% done.\n")
    action = plan.tasks[0].data["action"]
    assert action["line"] == "mail -s 'weekly' me"
    assert action["stdin"] == "Hello,\nthe report is% done.\n"
    assert plan.specs(NOW)[0].action.stdin == "Hello,\nthe report is% done.\n"
    assert "stdin: 2 lines" in plan.preview_rows()[0][4]


_TEXT = st.text(alphabet=st.sampled_from("ab %\\\n\t'é"), max_size=20)


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.one_of(st.none(), _TEXT))
def test_percent_escaping_round_trips(command: str, stdin: str | None) -> None:
    """Whatever cron can say, `join_percent` writes and `split_percent` reads back."""
    try:
        text = join_percent(command, stdin)
    except ValueError:
        return  # cron has no way to say it (a line break in a command, …)
    assert split_percent(text) == (command, stdin)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab %\\"), max_size=20))
def test_any_command_text_reads_as_cron_would_write_it_back(text: str) -> None:
    command, stdin = split_percent(text)
    assert split_percent(join_percent(command, stdin)) == (command, stdin)


@pytest.mark.parametrize(("command", "name"), [
    ("rsync -a ~/notes /mnt/backup/", "rsync-notes"),
    ("rsync -a --delete /home/me/Pictures/ /mnt/photos/ >> /var/log/x.log 2>&1",
     "rsync-Pictures"),  # a path after a long option is an argument, not its value
    ("/home/u/bin/backup.sh", "backup"),
    ("/opt/backup.sh nightly", "backup-nightly"),
    ("cd /srv/app && ./deploy.sh --prod", "deploy"),
    ("cd /opt/reports && ./pull_reports.sh --since 15m >> /var/log/reports.log 2>&1",
     "pull_reports"),
    ("LANG=C FOO=1 /usr/bin/report weekly", "report-weekly"),
    ("python3 -u /opt/jobs/sync.py --all", "sync"),
    ("/usr/bin/env python3 /opt/x/job.py --flag", "job"),
    ("/usr/bin/env -u LANG FOO=1 python3.11 /opt/x/job.py --to team@example.com", "job"),
    ("python3 -m tools.sync", "tools.sync"),
    ("python3 -c 'print(1)'", "python3"),
    ("bash -c 'cd /srv/app && php artisan schedule:run' > /dev/null 2>&1",
     "artisan-schedule:run"),
    ("sh /home/me/scripts/monthly-report.sh | mail -s report me", "monthly-report"),
    ("flock -n /tmp/sync.lock /home/me/bin/sync.sh", "sync"),
    ("nice -n 19 ionice -c3 /usr/local/bin/reindex --all", "reindex"),
    ("timeout 5m nohup /opt/x/run", "run"),
    ("sudo -u www-data php /var/www/cron.php", "cron"),
    ("curl -fsS https://example.com/ping | logger -t ping", "curl-ping"),
    ("cat > /dev/null", "cat"),
    ("sort < in.txt 2>/dev/null >> out.txt", "sort"),
    ("tar czf /tmp/home.tgz /home 2>&1", "tar-czf"),
    ("echo 'unclosed", "echo-unclosed"),
    ("> /dev/null", "crontab"),
])
def test_a_command_is_named_by_what_it_runs_not_its_wrappers(command: str, name: str) -> None:
    assert command_name(command) == name


def test_names_are_unique_in_the_file_and_a_line_added_below_renames_none() -> None:
    text = ("0 1 * * * /bin/backup.sh\n0 2 * * 1,3 /bin/backup.sh\n0 2 * * 1,3 /bin/backup.sh\n"
            "@daily rsync -a ~/notes /mnt\n")
    names = [t.name for t in read_crontab(text).tasks]
    assert names == ["backup", "backup (0 2 * * 1+3)", "backup (0 2 * * 1+3) #2",
                     "rsync-notes"]
    assert names == [t.name for t in read_crontab(text).tasks]  # the same file, the same names
    for name in names:
        assert "," not in name
    # names are one without letter case: two that differ only in it are told apart too
    cased = "0 1 * * * /bin/Report\n0 2 * * * /bin/report\n0 2 * * * /bin/REPORT\n"
    assert [t.name for t in read_crontab(cased).tasks] == [
        "Report", "report (0 2 * * *)", "REPORT (0 2 * * *) #2"]
    added = text + "30 3 * * * /bin/backup.sh --full\n# Prune, weekly\n@weekly /bin/backup.sh\n"
    assert [t.name for t in read_crontab(added).tasks] == [
        *names, "backup (30 3 * * *)", "Prune weekly"]


def test_a_comment_right_above_a_line_names_it() -> None:
    text = """\
# m h  dom mon dow   command
0 5 * * 1 tar czf /var/backups/home.tgz /home/
MAILTO=me@example.com
# backup the photos
0 2 * * * rsync -a ~/Pictures /mnt/photos >> /var/log/photos.log 2>&1
# not right above: a blank line between

0 3 * * * /opt/bin/cleanup.sh
# 0 4 * * * /opt/bin/old-job.sh
0 4 * * * /opt/bin/new-job.sh
# PATH=/opt/bin
@reboot /opt/bin/tunnel.sh
# ------------
@hourly /opt/bin/poll.sh
# Sends the weekly summary of every report to the whole team, with the charts attached
@weekly /opt/bin/summary.py
"""
    assert [t.name for t in read_crontab(text).tasks] == [
        "tar-czf", "backup the photos", "cleanup", "new-job", "tunnel", "poll",
        "Sends the weekly summary of every report to the whole team…"]


@pytest.mark.parametrize(("text", "message"), [
    ("0 1 * * * ok\n\n61 * * * * bad\n", "line 3: cron: minute field: 61 is out of range"),
    ("# c\n0 1 * * ok\n", "line 2: is neither NAME=value nor five time fields and a command"),
    ("@every5m job\n", "line 1: unknown macro '@every5m'"),
    ("0 1 * * * job %stdin\n0 2 * * *   %only stdin\n", "line 2: has a schedule but no command"),
    ("A=1\nCRON_TZ=Mars/Olympus\n", "line 2: CRON_TZ"),
    ("SHELL=bash\n", "line 1: SHELL must be an absolute path"),
    ("MY-VAR=1\n", "line 1: 'MY-VAR' is not a variable name"),
    ("0 0 30 feb * never\n", "line 1: "),
    ("0 0 ? * * quartz\n", "line 1: cron: day-of-month field: '?' is not valid (? is not POSIX"),
])
def test_a_bad_line_is_named_by_its_number(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_crontab(text).specs(NOW)
    assert str(caught.value).startswith(message), str(caught.value)


def test_preview_rows_say_what_would_be_created() -> None:
    plan = read_crontab("CRON_TZ=Europe/Berlin\n30 9 * * 1-5 /bin/report\n@reboot /bin/up\n")
    rows = plan.preview_rows()
    assert rows[0] == ("line 2", "report", "30 9 * * 1-5: At 09:30, Monday through Friday",
                       "Europe/Berlin", "/bin/report", "-")
    assert rows[1][0] == "line 3"
    assert rows[1][5] == "runs at the first Tickwork engine start after each boot"


def test_the_planned_tasks_are_valid_task_json() -> None:
    plan = read_crontab("SHELL=/bin/bash\nPATH=/bin\n*/5 * * * * cat%x\n")
    (spec,) = plan.specs(NOW)
    assert Schedule.from_json(plan.tasks[0].data["schedule"]) == spec.schedule
    assert spec.to_json()["action"]["stdin"] == "x\n"
    assert spec.to_json()["action"]["shell_program"] == "/bin/bash"


def test_a_command_action_keeps_its_stdin_and_shell_program_in_json() -> None:
    data = {"kind": "command", "argv": ["cat"], "shell": True, "cwd": None, "line": "cat",
            "shell_program": "/bin/bash", "stdin": "a\nb\n"}
    action = Action.from_json(data)
    assert (action.shell_program, action.stdin) == ("/bin/bash", "a\nb\n")
    assert action.to_json() == data
    plain = Action.from_json({"kind": "command", "argv": ["true"]})
    assert "stdin" not in plain.to_json() and "shell_program" not in plain.to_json()


@pytest.mark.parametrize(("extra", "message"), [
    ({"shell": False, "argv": ["cat"], "shell_program": "/bin/bash"},
     "shell_program: is only for commands run through the shell"),
    ({"shell": True, "argv": ["cat"], "shell_program": "bash"},
     "shell_program: must be an absolute path"),
    ({"shell": True, "argv": ["cat"], "stdin": 3}, "stdin: must be text"),
])
def test_stdin_and_shell_program_are_checked(extra: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as caught:
        Action.from_json({"kind": "command", **extra})
    assert str(caught.value).startswith(message)


def test_a_system_crontabs_user_column_is_said() -> None:
    """`0 2 * * * root /bin/true` (a line of /etc/crontab) became the command `root /bin/true`
    without a word; the plan now says the first word reads as a user column."""
    plan = read_crontab("0 2 * * * root /bin/true\n0 3 * * * /bin/true\n")
    assert [t.command() for t in plan.tasks] == ["root /bin/true", "/bin/true"]
    (note,) = plan.notes
    assert note.startswith("line 1: 'root' reads as the user column of a system crontab")
