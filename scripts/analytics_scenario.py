"""Learning analytics with known answers (issue 19's acceptance; scripts/analytics-scenario.sh).

Seeds a FRESH database through the public API: an admin (`lms-server create-admin`), an
instructor who owns three courses, a second instructor who owns none, and 200 learners who
enroll and stop at planned points with planned quiz answers. Then, as the admin, checks that
the analytics endpoints (docs/analytics.md) give exactly the numbers below: per course
the summary and funnel with each lesson's video watch time, the per-question statistics
(with the discrimination index), the CSV forms of both, and the overview with its study
time; and that the instructor may read their own course's
analytics while a learner gets 403. Prints a diff and exits 1 on any mismatch.

The expected numbers are constants derived by hand from the scenario (the comment beside
each shows the arithmetic); nothing here recomputes them from what was sent.

Assumptions:
- A fresh database: the per-course checks hold on any database (the courses are new), but
  the overview counts every user and enrollment in the period.
- The server runs with LMS_RATE_LIMIT_PER_MINUTE and LMS_LOGIN_RATE_LIMIT_PER_MINUTE set
  high (e.g. 1000000): seeding sends ~2,000 requests and 400 logins/registrations from one
  address within seconds. 429 and 503 answers are retried, but a default limit would make
  the run crawl.
- The whole run happens within an hour, in one ISO week (UTC).

Usage:
  python3 scripts/analytics_scenario.py --base-url URL --server-bin PATH --database-url URL
      [--seed-only] [--credentials-out FILE] [--workers 16] [--wait 30]
--seed-only stops after seeding; --credentials-out writes
  {admin:{email,password}, instructor:{...}, learner:{...} (also as student:{...}),
   courses:[{id,title}] (course A first), expected:{course A's analytics JSON plus
   "questions": its questions JSON}}
for a browser test to log in and look for those numbers.

Scenario (learner numbers are 0-based indexes; "done" = lesson completed):

Course A "Foundations": A1 text, A2 text, A3 quiz (3 questions, pass mark 100 %), A4 text.
  enrollees: learners 0-149 (150)
  | learners | n  | path                                            | A3 attempts          |
  | 0-14     | 15 | enrolled only (0-4 try A2 first: 403 LOCKED)     | -                    |
  | 15-54    | 40 | A1 (15-19 then try the A3 quiz: 403 LOCKED)      | -                    |
  | 55-84    | 30 | A1 A2                                           | -                    |
  | 85-109   | 25 | A1 A2, fail A3 once                             | 1 fail               |
  | 110-119  | 10 | A1 A2, fail A3 twice                            | 2 fail               |
  | 120-124  |  5 | A1 A2, fail A3, pass A3                         | 1 fail + 1 pass      |
  | 125-129  |  5 | A1 A2, pass A3                                  | 1 pass               |
  | 130-139  | 10 | A1 A2, pass A3, A4 (course completed)           | 1 pass               |
  | 140-149  | 10 | A1 A2, fail A3, pass A3, A4 (course completed)  | 1 fail + 1 pass      |
  A3 attempts (90): 30 passing = (Q1,Q2,Q3) all right;
                    60 failing = 20 x (Q1,Q3) + 10 x (Q2,Q3)  [score 66]
                               + 30 x (Q3) only               [score 33]

Course B "Quiz practice": B1 quiz (3 questions, pass mark 60 %), B2 text, B3 quiz
  (3 questions, pass mark 100 %).
  enrollees: learners 15-23, 0-14, 150-185 (60), in that order
  | learners          | n  | path                                    | B1 att.  | B3 att.  |
  | 15-23             |  9 | enrolled only (active in course A)      | -        | -        |
  | 0-14, 150         | 16 | fail B1 once                            | 1F       | -        |
  | 151-155           |  5 | fail B1 twice                           | 2F       | -        |
  | 156-159           |  4 | fail B1, pass B1                        | 1F 1P    | -        |
  | 160-162           |  3 | pass B1                                 | 1P       | -        |
  | 163-165           |  3 | pass B1, B2                             | 1P       | -        |
  | 166-170           |  5 | pass B1, B2, fail B3 once               | 1P       | 1F       |
  | 171-175           |  5 | pass B1, B2, fail B3 twice              | 1P       | 2F       |
  | 176-180           |  5 | pass B1, B2, pass B3 (completed)        | 1P       | 1P       |
  | 181-185           |  5 | pass B1, B2, fail B3, pass B3 (compl.)  | 1P       | 1F 1P    |
  B1 attempts (60): 30 passing (score 66) = 24 x (Q1,Q2) + 6 x (Q1,Q3)
                    30 failing (score 33) =  6 x (Q2)    + 24 x (Q3)
  B3 attempts (30): 10 passing (score 100) = 10 x (Q1,Q2,Q3)
                    20 failing = 4 x (Q1,Q2) + 3 x (Q1,Q3) + 3 x (Q2,Q3)   [score 66]
                               + 2 x (Q1) + 4 x (Q2)                     [score 33]
                               + 4 x ()                                  [score 0]

Course C "Deep dive" (few finish): C1 video, C2 text, C3 text, C4 quiz (3 questions, pass
  mark 60 %), C5 text.
  enrollees: learners 24-53, 56-111, 186-189 (90), in that order
  | learners              | n  | path                                           | C4 att. |
  | 24-43                 | 20 | enrolled only (active in course A)             | -       |
  | 44-53                 | 10 | watch 30 s of the 120 s video (not completed)  | -       |
  | 56-90                 | 35 | C1 (video watched)                             | -       |
  | 91-105                | 15 | C1 C2                                          | -       |
  | 106-111, 186-187      |  8 | C1 C2 C3                                       | -       |
  | 188                   |  1 | C1 C2 C3, fail C4                              | (Q1)    |
  | 189                   |  1 | C1 C2 C3, pass C4, C5 (course completed)       | (all)   |

Learners 190-199 register and never enroll. Every learner who enrolled (0-189) has a
completion or a graded attempt somewhere, so "learning activity" counts 190 learners
whether or not an enrollment counts as activity.
"""

import argparse
import csv
import datetime
import http.client
import io
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed

LEARNERS = 200

# --------------------------------------------------------------------------------------
# Course structures. Question helpers give the body sent to the server plus a right and a
# wrong answer for it.


def true_false(prompt, truth):
    correct = 0 if truth else 1
    return {
        "body": {"prompt": prompt, "kind": "true_false", "options": ["True", "False"], "correct_options": [correct]},
        "right": {"selected_options": [correct]},
        "wrong": {"selected_options": [1 - correct]},
    }


def single_choice(prompt, options, correct):
    return {
        "body": {"prompt": prompt, "kind": "single_choice", "options": options, "correct_options": [correct]},
        "right": {"selected_options": [correct]},
        "wrong": {"selected_options": [(correct + 1) % len(options)]},
    }


def multiple_choice(prompt, options, correct):
    # The wrong answer is a partial one: grading is all or nothing.
    return {
        "body": {"prompt": prompt, "kind": "multiple_choice", "options": options, "correct_options": correct},
        "right": {"selected_options": sorted(correct)},
        "wrong": {"selected_options": [correct[0]]},
    }


def short_answer(prompt, accepted):
    return {
        "body": {"prompt": prompt, "kind": "short_answer", "options": [], "correct_options": [], "accepted_answers": accepted},
        "right": {"text": accepted[0]},
        "wrong": {"text": "no idea"},
    }


def text(title, body):
    return {"title": title, "kind": "text", "text": {"body": body}}


def video(title):
    return {"title": title, "kind": "video", "video": {"youtube_id": "dQw4w9WgXcQ", "duration_seconds": 120}}


def quiz(title, pass_mark, questions):
    return {"title": title, "kind": "quiz", "pass_mark_percent": pass_mark, "questions": questions}


COURSES = [
    {
        "key": "A",
        "title": "Analytics A: Foundations",
        "lessons": [
            text("A1 Welcome", "What learning analytics measure."),
            text("A2 Core ideas", "Funnels, completion rates and item statistics."),
            quiz(
                "A3 Checkpoint",
                100,
                [
                    single_choice("Which number is a rate?", ["12 learners", "3 lessons", "0.25", "7 days"], 2),
                    short_answer("Name the chart of lessons reached", ["funnel"]),
                    true_false("A completion rate lies between 0 and 1", True),
                ],
            ),
            text("A4 Wrap-up", "Well done."),
        ],
    },
    {
        "key": "B",
        "title": "Analytics B: Quiz practice",
        "lessons": [
            quiz(
                "B1 First quiz",
                60,
                [
                    true_false("Retries count as attempts", True),
                    multiple_choice("Which are fractions?", ["0.5", "12", "0.25", "300"], [0, 2]),
                    single_choice("A third of 60 is", ["10", "20", "30"], 1),
                ],
            ),
            text("B2 Notes", "Upper and lower thirds."),
            quiz(
                "B3 Second quiz",
                100,
                [
                    short_answer("The index comparing upper and lower groups", ["discrimination"]),
                    single_choice("Rates are rounded to how many decimals?", ["2", "3", "4"], 2),
                    multiple_choice("Which count as activity?", ["a completion", "a page view", "a graded attempt"], [0, 2]),
                ],
            ),
        ],
    },
    {
        "key": "C",
        "title": "Analytics C: Deep dive",
        "lessons": [
            video("C1 Intro video"),
            text("C2 Reading one", "Cohorts."),
            text("C3 Reading two", "Retention."),
            quiz(
                "C4 Final quiz",
                60,
                [
                    true_false("Few learners finish this course", True),
                    single_choice("A median of one value is", ["zero", "that value", "undefined"], 1),
                    short_answer("What does the funnel end with?", ["completion"]),
                ],
            ),
            text("C5 Closing", "The end."),
        ],
    },
]
COURSE_KEYS = [c["key"] for c in COURSES]

# --------------------------------------------------------------------------------------
# Who enrolls where, and the path of each segment of enrollees (in enrollee order).
# Steps: ("complete", i) text lesson i; ("video", i, intervals, completes);
# ("pass", i) / ("fail", i) a quiz attempt on lesson i with the next pattern of the pool;
# ("locked_complete", i) / ("locked_quiz", i) an action on a locked lesson (403 LESSON_LOCKED).

ENROLLEES = {
    "A": list(range(0, 150)),
    "B": list(range(15, 24)) + list(range(0, 15)) + list(range(150, 186)),
    "C": list(range(24, 54)) + list(range(56, 112)) + list(range(186, 190)),
}

WATCH_ALL = [[0, 120]]
WATCH_SOME = [[0, 30]]  # 25 % of the video: below the 90 % threshold, not a completion

SEGMENTS = {
    "A": [
        (5, "enrolled; tries A2 while locked", [("locked_complete", 1)]),
        (10, "enrolled only", []),
        (5, "A1; tries the A3 quiz while locked", [("complete", 0), ("locked_quiz", 2)]),
        (35, "A1", [("complete", 0)]),
        (30, "A1 A2", [("complete", 0), ("complete", 1)]),
        (25, "A1 A2, fails A3", [("complete", 0), ("complete", 1), ("fail", 2)]),
        (10, "A1 A2, fails A3 twice", [("complete", 0), ("complete", 1), ("fail", 2), ("fail", 2)]),
        (5, "A1 A2, fails then passes A3", [("complete", 0), ("complete", 1), ("fail", 2), ("pass", 2)]),
        (5, "A1 A2, passes A3", [("complete", 0), ("complete", 1), ("pass", 2)]),
        (10, "completes A", [("complete", 0), ("complete", 1), ("pass", 2), ("complete", 3)]),
        (10, "completes A after a failed A3", [("complete", 0), ("complete", 1), ("fail", 2), ("pass", 2), ("complete", 3)]),
    ],
    "B": [
        (9, "enrolled only", []),
        (16, "fails B1", [("fail", 0)]),
        (5, "fails B1 twice", [("fail", 0), ("fail", 0)]),
        (4, "fails then passes B1", [("fail", 0), ("pass", 0)]),
        (3, "passes B1", [("pass", 0)]),
        (3, "B1 B2", [("pass", 0), ("complete", 1)]),
        (5, "B1 B2, fails B3", [("pass", 0), ("complete", 1), ("fail", 2)]),
        (5, "B1 B2, fails B3 twice", [("pass", 0), ("complete", 1), ("fail", 2), ("fail", 2)]),
        (5, "completes B", [("pass", 0), ("complete", 1), ("pass", 2)]),
        (5, "completes B after a failed B3", [("pass", 0), ("complete", 1), ("fail", 2), ("pass", 2)]),
    ],
    "C": [
        (20, "enrolled only", []),
        (10, "watches part of the video", [("video", 0, WATCH_SOME, False)]),
        (35, "C1", [("video", 0, WATCH_ALL, True)]),
        (15, "C1 C2", [("video", 0, WATCH_ALL, True), ("complete", 1)]),
        (8, "C1 C2 C3", [("video", 0, WATCH_ALL, True), ("complete", 1), ("complete", 2)]),
        (1, "C1 C2 C3, fails C4", [("video", 0, WATCH_ALL, True), ("complete", 1), ("complete", 2), ("fail", 3)]),
        (
            1,
            "completes C",
            [("video", 0, WATCH_ALL, True), ("complete", 1), ("complete", 2), ("pass", 3), ("complete", 4)],
        ),
    ],
}

# Answer patterns per quiz: 1 = answered right, 0 = wrong, per question in order. Pass
# patterns go to ("pass", i) steps, fail patterns to ("fail", i) steps, in plan order.
POOLS = {
    ("A", 2): {
        "pass": [(1, 1, 1)] * 30,
        "fail": [(1, 0, 1)] * 20 + [(0, 1, 1)] * 10 + [(0, 0, 1)] * 30,
    },
    ("B", 0): {
        "pass": [(1, 1, 0)] * 24 + [(1, 0, 1)] * 6,
        "fail": [(0, 1, 0)] * 6 + [(0, 0, 1)] * 24,
    },
    ("B", 2): {
        "pass": [(1, 1, 1)] * 10,
        "fail": [(1, 1, 0)] * 4 + [(1, 0, 1)] * 3 + [(0, 1, 1)] * 3 + [(1, 0, 0)] * 2 + [(0, 1, 0)] * 4 + [(0, 0, 0)] * 4,
    },
    ("C", 3): {
        "pass": [(1, 1, 1)],
        "fail": [(1, 0, 0)],
    },
}

# --------------------------------------------------------------------------------------
# Expected numbers, by hand. Funnel rows: (reached, completed, last_activity_here) per lesson.

EXPECTED_COURSES = {
    "A": {
        "enrollments": 150,  # learners 0-149
        "completions": 20,  # 10 + 10 who did A4
        "active_learners": 150,  # all enrolled within the hour (enrolling is activity)
        "completion_rate": 0.1333,  # 20 / 150 = 0.13333
        "median_days_to_complete": 0.0,  # enrolled and completed within minutes
        "funnel": [
            (135, 135, 40),  # A1: 150 - 15 enrolled-only; stopped here: 5 + 35
            (95, 95, 30),  # A2: 135 - 40 = 30+25+10+5+5+20; stopped here: 30
            # A3: attempted 25+10+5+5+20 = 65; passed 5+5+20 = 30; stopped here 25+10+5+5 = 45
            (65, 30, 45),
            (20, 20, 0),  # A4: the 20 who completed the course count nowhere as "last"
        ],
    },
    "B": {
        "enrollments": 60,  # 9 + 15 + 36
        "completions": 10,  # 5 + 5 who passed B3
        "active_learners": 60,
        "completion_rate": 0.1667,  # 10 / 60 = 0.16667
        "median_days_to_complete": 0.0,
        "funnel": [
            # B1: every active learner attempted it: 60 - 9 = 51; passed 4+3+3+5+5+5+5 = 30;
            # stopped here 16 + 5 + 4 + 3 = 28
            (51, 30, 28),
            (23, 23, 3),  # B2: 3+5+5+5+5 = 23; stopped here: 3
            (20, 10, 10),  # B3: attempted 5+5+5+5 = 20; passed 10; stopped here 5 + 5 = 10
        ],
    },
    "C": {
        "enrollments": 90,  # 30 + 56 + 4
        "completions": 1,  # learner 189
        "active_learners": 90,
        "completion_rate": 0.0111,  # 1 / 90 = 0.01111
        "median_days_to_complete": 0.0,
        "funnel": [
            # C1: 35+15+8+1+1 = 60 watched it all (the 10 partial viewers count nowhere); stopped here 35
            (60, 60, 35),
            (25, 25, 15),  # C2: 15+8+1+1
            (10, 10, 8),  # C3: 8+1+1
            (2, 1, 1),  # C4: 188 failed (stopped here), 189 passed
            (1, 1, 0),  # C5: 189, who completed the course
        ],
    },
}

# Video playback per lesson, in seconds (lesson index -> seconds); every other lesson 0. It
# reaches the rollups through the server's watch meter, flushed every few seconds. Nobody
# watches a span twice, so there are no replays.
EXPECTED_WATCH_SECONDS = {
    "C": {0: 10 * 30.0 + 60 * 120.0},  # C1: 10 partial viewers x 30 s + 60 x the whole 120 s = 7500
}

# Questions: (lesson index, question index, attempts, correct, correct_rate, discrimination)
# in lesson order, then question order. Discrimination: g = n/3; upper = g best attempts,
# lower = g worst, ties at a boundary counted pro rata; (right in upper - right in lower) / g.
EXPECTED_QUESTIONS = {
    "A": [
        # A3: n = 90, g = 30. Ranked: 30 x 100 % (upper, exactly), 30 x 66 % (middle),
        # 30 x 33 % (lower, exactly: all (Q3) only).
        (2, 0, 90, 50, 0.5556, 1.0),  # right: 30 + 20 + 0 = 50; 50/90 = 0.55556; (30 - 0) / 30
        (2, 1, 90, 40, 0.4444, 1.0),  # right: 30 + 10 + 0 = 40; 40/90 = 0.44444; (30 - 0) / 30
        (2, 2, 90, 90, 1.0, 0.0),  # right: 30 + 30 + 30 = 90; (30 - 30) / 30: an easy question
    ],
    "B": [
        # B1: n = 60, g = 20. Ranked: 30 x 66 % then 30 x 33 %. Upper = 20 of the 30 tied at
        # 66 %, each counting 20/30 = 2/3; lower = 20 of the 30 tied at 33 %, each 2/3.
        (0, 0, 60, 30, 0.5, 1.0),  # right: 24 + 6 = 30 (all the 66s); (30*2/3 - 0) / 20 = 20/20
        (0, 1, 60, 30, 0.5, 0.6),  # right: 24 + 6; (24*2/3 - 6*2/3) / 20 = (16 - 4) / 20
        (0, 2, 60, 30, 0.5, -0.6),  # right: 6 + 24; (6*2/3 - 24*2/3) / 20 = (4 - 16) / 20
        # B3: n = 30, g = 10. Ranked: 10 x 100 % (upper, exactly), 10 x 66 % (middle),
        # 6 x 33 % + 4 x 0 % (lower, exactly).
        (2, 0, 30, 19, 0.6333, 0.8),  # right: 10 + (4+3) + 2 = 19; 19/30 = 0.63333; (10 - 2) / 10
        (2, 1, 30, 21, 0.7, 0.6),  # right: 10 + (4+3) + 4 = 21; 21/30 = 0.7; (10 - 4) / 10
        (2, 2, 30, 16, 0.5333, 1.0),  # right: 10 + (3+3) + 0 = 16; 16/30 = 0.53333; (10 - 0) / 10
    ],
    "C": [
        # C4: n = 2 < 3, so no discrimination.
        (3, 0, 2, 2, 1.0, None),  # both attempts right
        (3, 1, 2, 1, 0.5, None),  # only the passing one
        (3, 2, 2, 1, 0.5, None),  # only the passing one
    ],
}

# Overview over the run (fresh database).
API_REGISTRATIONS = 202  # 1 instructor + 1 other instructor + 200 learners, via POST /auth/register
EXPECTED_OVERVIEW = {
    "first_enrollments": 190,  # learners 0-189 enrolled somewhere; 190-199 and the staff never
    "enrollments": 300,  # 150 + 60 + 90
    # A: 135+95+30+20 = 280; B: 30+23+10 = 63; C: 60+25+10+1+1 = 97; 280+63+97 = 440
    "lesson_completions": 440,
    "course_completions": 31,  # 20 + 10 + 1
    "quiz_attempts": 182,  # A3 90 + B1 60 + B3 30 + C4 2
    "watch_seconds": 7500.0,  # C1's playback, all there is
    "replay_seconds": 0.0,
    "study_seconds": 7500.0,  # playback plus flashcard answer time (no reviews)
    "reviews": 0,
}
# registrations: 202 through the API, 203 if the admin made by create-admin counts too
# (the contract says "users registered in the period" and does not say).
EXPECTED_CONVERSION = {
    202: 0.9406,  # 190 / 202 = 0.940594
    203: 0.9360,  # 190 / 203 = 0.935961
}
WEEKLY_ACTIVE = 190  # learners 0-189, all this week
OVERVIEW_FIELDS = [
    "from",
    "to",
    "registrations",
    "first_enrollments",
    "conversion_rate",
    "enrollments",
    "lesson_completions",
    "course_completions",
    "quiz_attempts",
    "weekly_active_learners",
]

COURSE_CSV_COLUMNS = [
    "course_id", "lesson_id", "position", "title", "reached", "completed", "last_activity_here",
    "watch_seconds", "replay_seconds",
]
QUESTION_CSV_COLUMNS = ["lesson_id", "question_id", "attempts", "correct", "correct_rate", "discrimination"]

# --------------------------------------------------------------------------------------
# HTTP


class Http:
    def __init__(self, base_url):
        self.base = base_url.rstrip("/")

    def request(self, method, path, token=None, body=None, idempotent=False, retries=6):
        """Returns (status, headers, bytes). Retries 429 and 503 (nothing was applied), and
        transport errors when the request is idempotent (a GET or one carrying an event_id)."""
        data = None if body is None else json.dumps(body).encode()
        delay = 0.2
        for attempt in range(retries + 1):
            req = urllib.request.Request(self.base + path, data=data, method=method)
            if data is not None:
                req.add_header("content-type", "application/json")
            if token:
                req.add_header("authorization", f"Bearer {token}")
            try:
                with urllib.request.urlopen(req, timeout=60) as resp:
                    return resp.status, dict(resp.headers), resp.read()
            except urllib.error.HTTPError as e:
                payload = e.read()
                if e.code in (429, 503) and attempt < retries:
                    retry_after = e.headers.get("retry-after")
                    time.sleep(min(float(retry_after), 5.0) if retry_after and retry_after.isdigit() else delay)
                    delay *= 2
                    continue
                return e.code, dict(e.headers), payload
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as e:
                if (idempotent or method == "GET") and attempt < retries:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise ScenarioError(f"{method} {path}: {e}") from e
        raise AssertionError("unreachable")

    def json(self, method, path, expected, token=None, body=None, idempotent=False):
        """The parsed answer; `expected` is a status or a set of them."""
        status, _, payload = self.request(method, path, token, body, idempotent)
        if status not in (expected if isinstance(expected, set) else {expected}):
            raise ScenarioError(f"{method} {path}: expected {expected}, got {status}: {payload[:400]!r}")
        return json.loads(payload) if payload else None


class ScenarioError(Exception):
    pass


def error_code(payload):
    try:
        return json.loads(payload)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------------------
# Seeding


def build_plans():
    """Per learner: [(course key, segment label, steps)], quiz steps resolved to patterns."""
    plans = {i: [] for i in range(LEARNERS)}
    for key in COURSE_KEYS:
        enrollees, segments = ENROLLEES[key], SEGMENTS[key]
        if sum(n for n, _, _ in segments) != len(enrollees) or len(set(enrollees)) != len(enrollees):
            raise AssertionError(f"course {key}: segments do not cover the enrollees")
        pools = {li: {k: list(v) for k, v in p.items()} for (ck, li), p in POOLS.items() if ck == key}
        position = 0
        for n, label, steps in segments:
            for _ in range(n):
                learner = enrollees[position]
                position += 1
                resolved = []
                for step in steps:
                    if step[0] in ("pass", "fail"):
                        pattern = pools[step[1]][step[0]].pop(0)
                        resolved.append(("quiz", step[1], pattern, step[0] == "pass"))
                    else:
                        resolved.append(step)
                plans[learner].append((key, label, resolved))
        for li, p in pools.items():
            for kind, left in p.items():
                if left:
                    raise AssertionError(f"course {key} lesson {li}: {len(left)} {kind} patterns unused")
    return plans


class Scenario:
    def __init__(self, args):
        self.args = args
        self.http = Http(args.base_url)
        self.run = secrets.token_hex(4)
        self.password = f"Scn-{secrets.token_hex(8)}-{self.run}"
        self.admin_email = f"analytics-admin.{self.run}@example.com"
        self.instructor_email = f"analytics-teacher.{self.run}@example.com"
        self.other_email = f"analytics-other.{self.run}@example.com"
        self.courses = {}  # key -> {"id", "title", "lessons": [{"id", "title", "position", "questions": [...]}]}
        self.tokens = {}
        self.registered = 0
        self.plans = build_plans()

    def learner_email(self, i):
        return f"learner{i:03d}.{self.run}@example.com"

    def login(self, email):
        # A repeated login only opens another session: safe to retry.
        body = {"email": email, "password": self.password}
        return self.http.json("POST", "/api/v1/auth/login", 200, body=body, idempotent=True)["access_token"]

    def register(self, email, name):
        """The new user's id. Retried when the connection fails; the emails carry this
        run's id, so a 409 can only mean that an earlier try got through (id unknown)."""
        body = {"email": email, "password": self.password, "display_name": name}
        user = self.http.json("POST", "/api/v1/auth/register", {201, 409}, body=body, idempotent=True)
        return user.get("id") if "error" not in user else None

    def create_admin(self):
        env = dict(os.environ, LMS_DATABASE_URL=self.args.database_url)
        done = subprocess.run(
            [self.args.server_bin, "create-admin", "--email", self.admin_email, "--password", self.password],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise ScenarioError(f"create-admin failed ({done.returncode}): {done.stderr.strip()}")

    def seed(self):
        started = time.monotonic()
        self.create_admin()
        self.tokens["admin"] = self.login(self.admin_email)

        instructor_id = self.register(self.instructor_email, "Analytics Instructor")
        other_id = self.register(self.other_email, "Other Instructor")
        self.registered += 2
        for user_id in (instructor_id, other_id):
            if user_id is None:
                raise ScenarioError("an instructor's registration was answered 409 after a retry")
            role = self.http.json(
                "PATCH", f"/api/v1/admin/users/{user_id}", 200, self.tokens["admin"], {"role": "instructor"}
            )["role"]
            if role != "instructor":
                raise ScenarioError(f"promotion gave role {role}")
        self.tokens["instructor"] = self.login(self.instructor_email)
        self.tokens["other"] = self.login(self.other_email)

        for course in COURSES:
            self.build_course(course)

        with ThreadPoolExecutor(self.args.workers) as pool:
            futures = [pool.submit(self.register, self.learner_email(i), f"Learner {i:03d}") for i in range(LEARNERS)]
            for f in as_completed(futures):
                f.result()
                self.registered += 1

        failures = []
        with ThreadPoolExecutor(self.args.workers) as pool:
            futures = {pool.submit(self.drive_learner, i): i for i in range(LEARNERS) if self.plans[i]}
            for f in as_completed(futures):
                try:
                    token = f.result()
                    if futures[f] == 0:
                        self.tokens["learner"] = token
                except Exception as e:  # noqa: BLE001 - reported below
                    failures.append(f"learner {futures[f]}: {e}")
        if failures:
            raise ScenarioError("seeding diverged from the plan:\n  " + "\n  ".join(sorted(failures)[:30]))
        if self.registered != API_REGISTRATIONS:
            raise ScenarioError(f"registered {self.registered} users, the scenario expects {API_REGISTRATIONS}")
        return time.monotonic() - started

    def build_course(self, course):
        teacher = self.tokens["instructor"]
        title = f"{course['title']} ({self.run})"
        created = self.http.json(
            "POST",
            "/api/v1/courses",
            201,
            teacher,
            {"title": title, "description": "Seeded by the analytics scenario", "category": "analytics", "difficulty": "beginner"},
        )
        entry = {"id": created["id"], "title": title, "lessons": []}
        for index, lesson in enumerate(course["lessons"]):
            body = {"title": lesson["title"], "kind": lesson["kind"]}
            if lesson["kind"] == "text":
                body["text"] = lesson["text"]
            elif lesson["kind"] == "video":
                body["video"] = lesson["video"]
            else:
                body["quiz"] = {
                    "pass_mark_percent": lesson["pass_mark_percent"],
                    "questions": [q["body"] for q in lesson["questions"]],
                }
            made = self.http.json("POST", f"/api/v1/courses/{entry['id']}/lessons", 201, teacher, body)
            if made["position"] != index:
                raise ScenarioError(f"{lesson['title']} got position {made['position']}, expected {index}")
            entry["lessons"].append({"id": made["id"], "title": lesson["title"], "position": index, "questions": []})
        self.http.json("POST", f"/api/v1/courses/{entry['id']}/publish", 200, teacher)
        # The owner previews each quiz for its question ids (in question order).
        for lesson, stored in zip(course["lessons"], entry["lessons"]):
            if lesson["kind"] != "quiz":
                continue
            view = self.http.json("GET", f"/api/v1/lessons/{stored['id']}", 200, teacher)
            questions = view["quiz"]["questions"]
            prompts = [q["prompt"] for q in questions]
            if prompts != [q["body"]["prompt"] for q in lesson["questions"]]:
                raise ScenarioError(f"{lesson['title']}: questions came back as {prompts}")
            stored["questions"] = [q["id"] for q in questions]
            for n, q in enumerate(questions):
                QUESTION_NAMES[q["id"]] = f"{lesson['title']} Q{n + 1}"
        self.courses[course["key"]] = entry

    def drive_learner(self, i):
        http = self.http
        token = self.login(self.learner_email(i))
        for key, label, steps in self.plans[i]:
            course = self.courses[key]
            lessons = course["lessons"]
            last = len(lessons) - 1
            # 201: enrolled; 200 (already enrolled) only when a retry follows a lost answer.
            http.json("POST", f"/api/v1/courses/{course['id']}/enrollments", {200, 201}, token, idempotent=True)
            for step in steps:
                kind, li = step[0], step[1]
                lesson = lessons[li]
                where = f"course {key} ({label}) lesson {lesson['title']}"
                if kind == "complete":
                    update = http.json(
                        "POST", f"/api/v1/lessons/{lesson['id']}/complete?event_id={uuid.uuid4()}", 200, token, idempotent=True
                    )
                    expect(update, where, lesson_completed=True, course_completed=li == last)
                elif kind == "video":
                    _, _, intervals, completes = step
                    update = http.json(
                        "POST",
                        f"/api/v1/lessons/{lesson['id']}/video-progress",
                        200,
                        token,
                        {"intervals": intervals, "event_id": str(uuid.uuid4())},
                        idempotent=True,
                    )
                    expect(update, where, lesson_completed=completes, course_completed=completes and li == last)
                elif kind == "quiz":
                    _, _, pattern, passes = step
                    update = http.json(
                        "POST",
                        f"/api/v1/lessons/{lesson['id']}/quiz-attempts",
                        200,
                        token,
                        {"answers": self.answers(key, li, pattern), "event_id": str(uuid.uuid4())},
                        idempotent=True,
                    )
                    expect(
                        update,
                        where,
                        passed=passes,
                        correct=sum(pattern),
                        lesson_completed=passes,
                        course_completed=passes and li == last,
                    )
                elif kind in ("locked_complete", "locked_quiz"):
                    if kind == "locked_complete":
                        status, _, payload = http.request("POST", f"/api/v1/lessons/{lesson['id']}/complete", token)
                    else:
                        body = {"answers": self.answers(key, li, (1,) * len(lesson["questions"]))}
                        status, _, payload = http.request(
                            "POST", f"/api/v1/lessons/{lesson['id']}/quiz-attempts", token, body
                        )
                    if status != 403 or error_code(payload) != "LESSON_LOCKED":
                        raise ScenarioError(f"{where}: expected 403 LESSON_LOCKED, got {status}: {payload[:300]!r}")
                else:
                    raise AssertionError(kind)
        return token

    def answers(self, key, li, pattern):
        course = next(c for c in COURSES if c["key"] == key)
        specs = course["lessons"][li]["questions"]
        ids = self.courses[key]["lessons"][li]["questions"]
        return [
            dict(spec["right"] if right else spec["wrong"], question_id=qid) for spec, qid, right in zip(specs, ids, pattern)
        ]


def expect(update, where, **fields):
    for name, value in fields.items():
        if update.get(name) != value:
            raise ScenarioError(f"{where}: {name} is {update.get(name)!r}, expected {value!r}: {update}")


# --------------------------------------------------------------------------------------
# Expected documents (constants above, placed on the ids the server gave)


def expected_course(scenario, key):
    course = scenario.courses[key]
    numbers = EXPECTED_COURSES[key]
    return {
        "course_id": course["id"],
        "title": course["title"],
        "enrollments": numbers["enrollments"],
        "completions": numbers["completions"],
        "active_learners": numbers["active_learners"],
        "completion_rate": numbers["completion_rate"],
        "median_days_to_complete": numbers["median_days_to_complete"],
        "funnel": [
            {
                "lesson_id": lesson["id"],
                "title": lesson["title"],
                "position": lesson["position"],
                "reached": reached,
                "completed": completed,
                "last_activity_here": last,
                "watch_seconds": EXPECTED_WATCH_SECONDS.get(key, {}).get(n, 0.0),
                "replay_seconds": 0.0,
            }
            for n, (lesson, (reached, completed, last)) in enumerate(
                zip(course["lessons"], numbers["funnel"], strict=True)
            )
        ],
    }


def expected_questions(scenario, key):
    lessons = scenario.courses[key]["lessons"]
    return [
        {
            "lesson_id": lessons[li]["id"],
            "question_id": lessons[li]["questions"][qi],
            "attempts": attempts,
            "correct": correct,
            "correct_rate": rate,
            "discrimination": discrimination,
        }
        for li, qi, attempts, correct, rate, discrimination in EXPECTED_QUESTIONS[key]
    ]


# --------------------------------------------------------------------------------------
# Comparison


def compare(label, expected, actual, diffs):
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            diffs.append(f"{label}: expected an object, got {actual!r}")
            return
        for k, v in expected.items():
            if k not in actual:
                diffs.append(f"{label}.{k}: missing (expected {v!r})")
            else:
                compare(f"{label}.{k}", v, actual[k], diffs)
    elif isinstance(expected, list):
        if not isinstance(actual, list):
            diffs.append(f"{label}: expected a list, got {actual!r}")
            return
        if len(actual) != len(expected):
            diffs.append(f"{label}: expected {len(expected)} items, got {len(actual)}")
        for n, (e, a) in enumerate(zip(expected, actual)):
            compare(f"{label}[{item_label(n, e)}]", e, a, diffs)
    elif expected is None:
        if actual is not None:
            diffs.append(f"{label}: expected null, got {actual!r}")
    elif isinstance(expected, bool) or isinstance(expected, str):
        if actual != expected:
            diffs.append(f"{label}: expected {expected!r}, got {actual!r}")
    elif isinstance(expected, int):
        if isinstance(actual, bool) or not isinstance(actual, int) or actual != expected:
            diffs.append(f"{label}: expected {expected!r}, got {actual!r}")
    elif isinstance(expected, float):
        ok = isinstance(actual, (int, float)) and not isinstance(actual, bool) and abs(actual - expected) < 1e-9
        if not ok:
            diffs.append(f"{label}: expected {expected!r}, got {actual!r}")
    else:
        raise AssertionError(type(expected))


QUESTION_NAMES = {}  # question id -> "A3 Checkpoint Q1", for readable diffs


def item_label(n, expected):
    """A list item's name in a diff: its index, and the lesson or question it stands for."""
    if isinstance(expected, dict):
        if "question_id" in expected and expected["question_id"] in QUESTION_NAMES:
            return f"{n}: {QUESTION_NAMES[expected['question_id']]}"
        if "title" in expected:
            return f"{n}: {expected['title']}"
    return str(n)


def csv_rows(label, payload, columns, diffs):
    """Parses CSV with exactly `columns` as its header; None (and a diff) if it does not."""
    try:
        reader = csv.reader(io.StringIO(payload.decode("utf-8-sig")))
        rows = [r for r in reader if r]
    except (UnicodeDecodeError, csv.Error) as e:
        diffs.append(f"{label}: not CSV: {e}")
        return None
    if not rows or rows[0] != columns:
        diffs.append(f"{label}: header {rows[0] if rows else None}, expected {columns}")
        return None
    return [dict(zip(columns, r)) for r in rows[1:]]


def cell(value, kind):
    """A CSV cell as JSON would have it: '' (or 'null') is null."""
    if value in ("", "null"):
        return None
    try:
        return int(value) if kind is int else float(value) if kind is float else value
    except ValueError:
        return value


def typed(rows, kinds):
    return [{k: cell(v, kinds.get(k, str)) for k, v in r.items()} for r in rows]


# --------------------------------------------------------------------------------------
# Checks


class Checker:
    def __init__(self, scenario):
        self.s = scenario
        self.http = scenario.http
        self.admin = scenario.tokens["admin"]
        self.diffs = []
        self.checks = 0

    def get(self, path, token=None):
        status, headers, payload = self.http.request("GET", path, token or self.admin)
        return status, headers, payload

    def get_json(self, label, path):
        status, _, payload = self.get(path)
        if status != 200:
            return None, f"{label}: GET {path} gave {status}: {payload[:300]!r}"
        try:
            return json.loads(payload), None
        except ValueError:
            return None, f"{label}: not JSON: {payload[:300]!r}"

    def get_object(self, label, path):
        document, error = self.get_json(label, path)
        if document is not None and not isinstance(document, dict):
            return None, f"{label}: expected a JSON object, got {str(document)[:300]}"
        return document, error

    def eventually(self, deadline, label, path, expected):
        """Polls until the document matches (the rollups are asynchronous) or the deadline
        passes; records the last differences."""
        while True:
            document, error = self.get_json(label, path)
            diffs = [error] if error else []
            if document is not None:
                compare(label, expected, document, diffs)
            if not diffs or time.monotonic() >= deadline:
                self.checks += 1
                self.diffs.extend(diffs)
                return document
            time.sleep(0.25)

    def wait_for_enrollments(self, deadline):
        pending = set(COURSE_KEYS)
        while pending and time.monotonic() < deadline:
            for key in sorted(pending):
                document, _ = self.get_object(key, f"/api/v1/analytics/courses/{self.s.courses[key]['id']}")
                if document and document.get("enrollments") == EXPECTED_COURSES[key]["enrollments"]:
                    pending.discard(key)
            if pending:
                time.sleep(0.25)
        return pending

    def run(self):
        started = time.monotonic()
        deadline = started + self.s.args.wait
        late = self.wait_for_enrollments(deadline)
        waited = time.monotonic() - started
        if late:
            print(f"  enrollments of course(s) {', '.join(sorted(late))} not rolled up after {self.s.args.wait} s")
        for key in COURSE_KEYS:
            self.check_course(key, deadline)
        self.check_overview(deadline)
        self.check_access()
        return waited

    def check_course(self, key, deadline):
        course_id = self.s.courses[key]["id"]
        base = f"/api/v1/analytics/courses/{course_id}"
        expected = expected_course(self.s, key)
        questions = expected_questions(self.s, key)
        self.eventually(deadline, f"course {key}", base, expected)
        self.eventually(deadline, f"course {key} questions", f"{base}/questions", questions)

        status, _, payload = self.get(f"{base}?format=csv")
        self.checks += 1
        label = f"course {key} csv"
        if status != 200:
            self.diffs.append(f"{label}: status {status}: {payload[:300]!r}")
        else:
            rows = csv_rows(label, payload, COURSE_CSV_COLUMNS, self.diffs)
            if rows is not None:
                kinds = {
                    "position": int,
                    "reached": int,
                    "completed": int,
                    "last_activity_here": int,
                    "watch_seconds": float,
                    "replay_seconds": float,
                }
                want = [
                    {"course_id": course_id, **{k: f[k] for k in COURSE_CSV_COLUMNS if k != "course_id"}}
                    for f in expected["funnel"]
                ]
                compare(label, want, typed(rows, kinds), self.diffs)

        status, _, payload = self.get(f"{base}/questions?format=csv")
        self.checks += 1
        label = f"course {key} questions csv"
        if status != 200:
            self.diffs.append(f"{label}: status {status}: {payload[:300]!r}")
        else:
            rows = csv_rows(label, payload, QUESTION_CSV_COLUMNS, self.diffs)
            if rows is not None:
                kinds = {"attempts": int, "correct": int, "correct_rate": float, "discrimination": float}
                compare(label, questions, typed(rows, kinds), self.diffs)

    def check_overview(self, deadline):
        # Default period (last 28 days) and an explicit one around today: the same numbers.
        today = datetime.datetime.now(datetime.timezone.utc).date()
        monday = (today - datetime.timedelta(days=today.weekday())).isoformat()
        periods = [
            ("overview", "/api/v1/analytics/overview"),
            (
                "overview (yesterday..tomorrow)",
                f"/api/v1/analytics/overview?from={today - datetime.timedelta(days=1)}&to={today + datetime.timedelta(days=1)}",
            ),
        ]
        for label, path in periods:
            while True:
                document, error = self.get_object(label, path)
                diffs = [error] if error else []
                if document is not None:
                    diffs += self.overview_diffs(label, document, monday)
                if not diffs or time.monotonic() >= deadline:
                    break
                time.sleep(0.25)
            self.checks += 1
            self.diffs.extend(diffs)

        # A period long before the run: all zero, the conversion rate null.
        label = "overview (January 2001)"
        document, error = self.get_object(label, "/api/v1/analytics/overview?from=2001-01-01&to=2001-01-31")
        self.checks += 1
        if error:
            self.diffs.append(error)
        else:
            zero = {k: type(v)(0) for k, v in EXPECTED_OVERVIEW.items()}
            compare(label, dict(zero, registrations=0, conversion_rate=None), document, self.diffs)
            januaries = {"2001-01-01", "2001-01-08", "2001-01-15", "2001-01-22", "2001-01-29"}
            weeks = document.get("weekly_active_learners")
            for n, week in enumerate(weeks if isinstance(weeks, list) else []):
                if not isinstance(week, dict) or week.get("week_start") not in januaries or week.get("learners") != 0:
                    self.diffs.append(f"{label}.weekly_active_learners[{n}]: {week} (expected a Monday of January 2001, 0 learners)")

        status, _, payload = self.get("/api/v1/analytics/overview?format=csv")
        self.checks += 1
        if status != 200 or not payload.strip():
            self.diffs.append(f"overview csv: status {status}, {len(payload)} bytes")

    def overview_diffs(self, label, document, monday):
        diffs = []
        for field in OVERVIEW_FIELDS:
            if field not in document:
                diffs.append(f"{label}.{field}: missing")
        registrations = document.get("registrations")
        if registrations not in EXPECTED_CONVERSION:
            diffs.append(
                f"{label}.registrations: expected {API_REGISTRATIONS} (registered through the API) "
                f"or {API_REGISTRATIONS + 1} (with the create-admin account), got {registrations!r}"
            )
            registrations = API_REGISTRATIONS
        compare(label, dict(EXPECTED_OVERVIEW, conversion_rate=EXPECTED_CONVERSION[registrations]), document, diffs)
        weeks = document.get("weekly_active_learners")
        if not isinstance(weeks, list):
            diffs.append(f"{label}.weekly_active_learners: expected a list, got {weeks!r}")
        else:
            this_week = [w for w in weeks if isinstance(w, dict) and w.get("week_start") == monday]
            if len(this_week) != 1:
                diffs.append(f"{label}.weekly_active_learners: expected one entry for the week of {monday}, got {weeks}")
            elif this_week[0].get("learners") != WEEKLY_ACTIVE:
                diffs.append(
                    f"{label}.weekly_active_learners[{monday}].learners: expected {WEEKLY_ACTIVE}, got {this_week[0].get('learners')!r}"
                )
            for w in weeks:
                start = w.get("week_start") if isinstance(w, dict) else None
                try:
                    is_monday = datetime.date.fromisoformat(start).weekday() == 0
                except (TypeError, ValueError):
                    is_monday = False
                if not is_monday:
                    diffs.append(f"{label}.weekly_active_learners: {w} does not start on a Monday")
                elif start != monday and w.get("learners") != 0:
                    diffs.append(f"{label}.weekly_active_learners: {w}: expected 0 learners outside this week")
        return diffs

    def check_access(self):
        a = self.s.courses["A"]["id"]
        tokens = self.s.tokens
        cases = [
            ("instructor, own course", f"/api/v1/analytics/courses/{a}", tokens["instructor"], {200}),
            ("instructor, own course questions", f"/api/v1/analytics/courses/{a}/questions", tokens["instructor"], {200}),
            ("instructor, own course csv", f"/api/v1/analytics/courses/{a}?format=csv", tokens["instructor"], {200}),
            ("instructor, overview (admin only)", "/api/v1/analytics/overview", tokens["instructor"], {403}),
            # The contract gives instructors their own courses; another instructor's refusal
            # may be 403 or a 404 that hides the course.
            ("other instructor, not their course", f"/api/v1/analytics/courses/{a}", tokens["other"], {403, 404}),
            ("learner", f"/api/v1/analytics/courses/{a}", tokens["learner"], {403}),
            ("learner, questions", f"/api/v1/analytics/courses/{a}/questions", tokens["learner"], {403}),
            ("learner, overview", "/api/v1/analytics/overview", tokens["learner"], {403}),
        ]
        for label, path, token, allowed in cases:
            status, _, payload = self.http.request("GET", path, token)
            self.checks += 1
            if status not in allowed:
                self.diffs.append(f"access, {label}: GET {path} gave {status}, expected {sorted(allowed)}: {payload[:200]!r}")
        status, _, _ = self.http.request("GET", f"/api/v1/analytics/courses/{a}")
        self.checks += 1
        if status != 401:
            self.diffs.append(f"access, anonymous: got {status}, expected 401")
        # The instructor sees the same numbers as the admin.
        status, _, payload = self.http.request("GET", f"/api/v1/analytics/courses/{a}", tokens["instructor"])
        if status == 200:
            try:
                document = json.loads(payload)
            except ValueError:
                document = None
            compare("course A as the instructor", expected_course(self.s, "A"), document, self.diffs)


# --------------------------------------------------------------------------------------


def write_credentials(scenario, path):
    document = {
        "admin": {"email": scenario.admin_email, "password": scenario.password},
        "instructor": {"email": scenario.instructor_email, "password": scenario.password},
        # A learner (enrolled in courses A and B), under both names the browser tests use.
        "learner": {"email": scenario.learner_email(0), "password": scenario.password},
        "student": {"email": scenario.learner_email(0), "password": scenario.password},
        "courses": [{"id": scenario.courses[k]["id"], "title": scenario.courses[k]["title"]} for k in COURSE_KEYS],
        "expected": dict(expected_course(scenario, "A"), questions=expected_questions(scenario, "A")),
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--server-bin", required=True, help="the lms-server binary (for create-admin)")
    parser.add_argument("--database-url", required=True, help="the server's database (for create-admin)")
    parser.add_argument("--seed-only", action="store_true", help="stop after seeding")
    parser.add_argument("--credentials-out", help="write logins, course ids and course A's expected numbers here")
    parser.add_argument("--workers", type=int, default=16, help="concurrent learners (default 16)")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the rollups (default 30)")
    args = parser.parse_args()

    scenario = Scenario(args)
    try:
        seeded = scenario.seed()
    except ScenarioError as e:
        print(f"analytics scenario: seeding failed: {e}", file=sys.stderr)
        return 1
    print(f"  seeded {LEARNERS} learners in 3 courses in {seeded:.1f} s (run {scenario.run})")
    if args.credentials_out:
        write_credentials(scenario, args.credentials_out)
    if args.seed_only:
        print("analytics scenario seeded" + (f"; credentials in {args.credentials_out}" if args.credentials_out else ""))
        return 0

    checker = Checker(scenario)
    try:
        waited = checker.run()
    except ScenarioError as e:
        checker.diffs.append(str(e))
        waited = float("nan")
    if checker.diffs:
        print(f"analytics scenario FAILED: {len(checker.diffs)} difference(s) (expected vs got):", file=sys.stderr)
        for line in checker.diffs:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(
        f"analytics scenario passed: 3 courses, {LEARNERS} learners, 300 enrollments, 440 lesson completions, "
        f"182 quiz attempts; {checker.checks} checks, rollups caught up in {waited:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
