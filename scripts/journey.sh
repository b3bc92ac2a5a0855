#!/usr/bin/env bash
# The learner journey against a real release server: register, create an admin, promote an
# instructor, create and publish a course with a video, a text and a quiz lesson, enroll,
# get 403 LESSON_LOCKED, complete the lessons in order, pass the quiz, see 100 % and a
# completed enrollment.
#
# Usage: scripts/journey.sh            builds and starts target/release/lms-server on a free
#                                      port with a temporary SQLite database, then stops it
#        LMS_URL=http://host:port scripts/journey.sh   runs against a running server
#                                      (then LMS_SERVER_BIN and LMS_DATABASE_URL must name
#                                      the binary and database for create-admin)
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=lib/server.sh
source scripts/lib/server.sh
if [[ -z "${LMS_URL:-}" ]]; then
  start_server
fi
: "${LMS_SERVER_BIN:?LMS_SERVER_BIN must name the lms-server binary}"
API="$LMS_URL/api/v1"
run_id="$(date +%s)$RANDOM"

# call METHOD PATH EXPECTED_STATUS [JSON_BODY] [TOKEN] -> prints the body
call() {
  local method=$1 path=$2 expected=$3 body=${4:-} token=${5:-}
  local args=(-s -o "$workdir/body" -w '%{http_code}' -X "$method" "$API$path")
  [[ -n "$body" ]] && args+=(-H 'content-type: application/json' --data "$body")
  [[ -n "$token" ]] && args+=(-H "authorization: Bearer $token")
  local status
  status="$(curl "${args[@]}")"
  if [[ "$status" != "$expected" ]]; then
    fail "$method $path: expected $expected, got $status: $(cat "$workdir/body")"
  fi
  cat "$workdir/body"
}

# field EXPR < json: evaluates a Python expression over the parsed document `d`
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

step() { printf '  %-60s ok\n' "$1"; }

echo "journey against $LMS_URL"
password="Journey${run_id}Pw1"

instructor_id="$(call POST /auth/register 201 "{\"email\":\"teacher$run_id@example.com\",\"password\":\"$password\",\"display_name\":\"Teacher\"}" | field 'd["id"]')"
call POST /auth/register 201 "{\"email\":\"learner$run_id@example.com\",\"password\":\"$password\",\"display_name\":\"Learner\"}" >/dev/null
call POST /auth/register 409 "{\"email\":\"learner$run_id@example.com\",\"password\":\"$password\",\"display_name\":\"Again\"}" >/dev/null
step "register an instructor-to-be and a learner (duplicate → 409)"

"$LMS_SERVER_BIN" create-admin --email "admin$run_id@example.com" --password "$password" >/dev/null
login() { call POST /auth/login 200 "{\"email\":\"$1@example.com\",\"password\":\"$password\"}" | field 'd["access_token"]'; }
admin="$(login "admin$run_id")"
step "create-admin and log in as admin"

role="$(call PATCH "/admin/users/$instructor_id" 200 '{"role":"instructor"}' "$admin" | field 'd["role"]')"
[[ "$role" == instructor ]] || fail "promotion gave role $role"
teacher="$(login "teacher$run_id")"
step "promote the instructor"

course="$(call POST /courses 201 '{"title":"Journey course","description":"From zero to done","category":"testing","difficulty":"beginner"}' "$teacher")"
[[ "$(echo "$course" | field 'd["status"]')" == draft ]] || fail "new course is not a draft"
course_id="$(echo "$course" | field 'd["id"]')"
video_id="$(call POST "/courses/$course_id/lessons" 201 '{"title":"Watch","kind":"video","video":{"youtube_id":"dQw4w9WgXcQ","duration_seconds":120}}' "$teacher" | field 'd["id"]')"
text_id="$(call POST "/courses/$course_id/lessons" 201 '{"title":"Read","kind":"text","text":{"body":"Sequential learning unlocks one lesson at a time."}}' "$teacher" | field 'd["id"]')"
quiz_id="$(call POST "/courses/$course_id/lessons" 201 '{"title":"Check","kind":"quiz","quiz":{"pass_mark_percent":100,"questions":[{"prompt":"Is lesson 2 locked before lesson 1?","kind":"true_false","options":["True","False"],"correct_options":[0]},{"prompt":"Name the unlock rule","kind":"short_answer","options":[],"correct_options":[],"accepted_answers":["sequential"]}]}}' "$teacher" | field 'd["id"]')"
call POST "/courses/$course_id/publish" 200 '' "$teacher" >/dev/null
step "create and publish a course with video, text and quiz lessons"

learner="$(login "learner$run_id")"
call POST "/courses/$course_id/enrollments" 201 '' "$learner" >/dev/null
step "enroll the learner"

locked="$(call GET "/lessons/$text_id" 403 '' "$learner")"
[[ "$(echo "$locked" | field 'd["error"]["code"]')" == LESSON_LOCKED ]] || fail "expected LESSON_LOCKED: $locked"
[[ "$(echo "$locked" | field 'd["error"]["details"]["unmet"][0]["lesson_id"]')" == "$video_id" ]] || fail "unmet should name the video: $locked"
step "the text lesson is locked (403 LESSON_LOCKED, unmet = the video)"

embed="$(call GET "/lessons/$video_id" 200 '' "$learner" | field 'd["video"]["embed_url"]')"
[[ "$embed" == *"controls=0"*"disablekb=1"*"modestbranding=1"*"rel=0"* ]] || fail "embed url $embed"
skip="$(call POST "/lessons/$video_id/video-progress" 200 '{"intervals":[[110,120]]}' "$learner" | field 'd["lesson_completed"]')"
[[ "$skip" == False ]] || fail "skipping to the end completed the video"
done_video="$(call POST "/lessons/$video_id/video-progress" 200 '{"intervals":[[0,110]]}' "$learner" | field 'd["lesson_completed"]')"
[[ "$done_video" == True ]] || fail "watching the video did not complete it"
step "watch the video (skipping ahead does not count)"

call GET "/lessons/$text_id" 200 '' "$learner" >/dev/null
call POST "/lessons/$text_id/complete" 200 '' "$learner" >/dev/null
step "read and complete the text lesson"

quiz="$(call GET "/lessons/$quiz_id" 200 '' "$learner")"
if echo "$quiz" | grep -q -e correct_options -e accepted_answers; then fail "quiz view leaks answers: $quiz"; fi
q1="$(echo "$quiz" | field 'd["quiz"]["questions"][0]["id"]')"
q2="$(echo "$quiz" | field 'd["quiz"]["questions"][1]["id"]')"
failed="$(call POST "/lessons/$quiz_id/quiz-attempts" 200 "{\"answers\":[{\"question_id\":\"$q1\",\"selected_options\":[1]},{\"question_id\":\"$q2\",\"text\":\"random\"}]}" "$learner" | field 'd["passed"]')"
[[ "$failed" == False ]] || fail "a wrong attempt passed"
attempt="$(call POST "/lessons/$quiz_id/quiz-attempts" 200 "{\"answers\":[{\"question_id\":\"$q1\",\"selected_options\":[0]},{\"question_id\":\"$q2\",\"text\":\" Sequential \"}]}" "$learner")"
[[ "$(echo "$attempt" | field 'd["passed"]')" == True && "$(echo "$attempt" | field 'd["score_percent"]')" == 100 ]] || fail "the right answers did not pass: $attempt"
step "fail, then pass the quiz (answers never shown)"

progress="$(call GET "/courses/$course_id/progress" 200 '' "$learner")"
[[ "$(echo "$progress" | field 'd["percent"]')" == 100 ]] || fail "progress is not 100 %: $progress"
status="$(call GET /me/enrollments 200 '' "$learner" | field "[e['status'] for e in d['items'] if e['course_id']=='$course_id'][0]")"
[[ "$status" == completed ]] || fail "enrollment is $status"
step "progress is 100 % and the enrollment is completed"

call GET "/courses/$course_id/enrollments" 403 '' "$learner" >/dev/null
count="$(call GET "/courses/$course_id/enrollments" 200 '' "$teacher" | field 'len(d["items"])')"
[[ "$count" == 1 ]] || fail "instructor sees $count enrollments"
step "the instructor sees the enrollment; the learner may not"

echo "journey passed"
