// The admin dashboard served at /admin (with index.html and app.css).
//
// Plain browser JavaScript, no dependencies and no build step; it runs under
// `Content-Security-Policy: default-src 'self'` (no inline scripts or styles, no eval, no
// style attributes; charts are SVG elements built here). Every value from the server
// reaches the page through textContent or setAttribute, never as HTML.
//
// API: POST /api/v1/auth/login, GET /api/v1/me, POST /api/v1/auth/logout,
// GET /api/v1/courses, GET /api/v1/analytics/courses/{id}[/questions],
// GET /api/v1/analytics/business, GET /api/v1/admin/incidents,
// POST /api/v1/admin/incidents/{id}/acknowledge|resolve.
'use strict';

(() => {
  const API = '/api/v1';
  const TOKEN_KEY = 'lms-admin.access-token';
  const COURSE_KEY = 'lms-admin.course';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const BUSINESS_DAYS = 90;
  const MAX_COURSE_PAGES = 50;

  const state = {
    token: readSession(TOKEN_KEY),
    refreshToken: null, // memory only
    user: null,
    courses: [],
    courseSeq: 0,
    businessSeq: 0,
    incidentsSeq: 0,
    charts: [], // { container, draw } redrawn when the width changes
  };

  const fmt = {
    int: new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }),
    days: new Intl.NumberFormat(undefined, { minimumFractionDigits: 0, maximumFractionDigits: 2 }),
    percent: new Intl.NumberFormat(undefined, { style: 'percent', minimumFractionDigits: 0, maximumFractionDigits: 1 }),
    discrimination: new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 }),
    dateTime: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    day: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }),
    shortDay: new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }),
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- small helpers

  function readSession(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (_) {
      return null;
    }
  }

  function writeSession(key, value) {
    try {
      if (value === null || value === undefined) window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch (_) {
      // storage unavailable: the token stays in memory only
    }
  }

  /** An element; attrs: class, text, dataset {…}, anything else via setAttribute. */
  function el(tag, attrs, ...children) {
    return build(document.createElement(tag), attrs, children);
  }

  function svgEl(tag, attrs, ...children) {
    return build(document.createElementNS(SVG_NS, tag), attrs, children);
  }

  function build(node, attrs, children) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.setAttribute('class', value);
      else if (key === 'dataset') {
        for (const [k, v] of Object.entries(value)) {
          if (v !== null && v !== undefined) node.dataset[k] = String(v);
        }
      } else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function announce(message) {
    const node = $('announcer');
    node.textContent = '';
    window.setTimeout(() => {
      node.textContent = message;
    }, 50);
  }

  function isNumber(v) {
    return typeof v === 'number' && Number.isFinite(v);
  }

  /** Writes a number (or — for null) into a node, keeping the raw value in data-value. */
  function setNumber(node, value, formatter) {
    if (isNumber(value)) {
      node.textContent = formatter.format(value);
      node.dataset.value = String(value);
      node.removeAttribute('title');
    } else {
      node.textContent = '—';
      node.dataset.value = '';
      node.title = 'Not available yet';
    }
  }

  function numberCell(value, formatter, testid) {
    const td = el('td', { class: 'num', dataset: { testid } });
    setNumber(td, value, formatter);
    return td;
  }

  function shortId(id) {
    return String(id || '').slice(0, 8);
  }

  function truncate(text, maxChars) {
    const s = String(text || '');
    if (maxChars < 2 || s.length <= maxChars) return s;
    return s.slice(0, maxChars - 1) + '…';
  }

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function addDays(day, n) {
    const d = new Date(day + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + n);
    return isoDay(d);
  }

  function formatDay(day) {
    const d = new Date(day + 'T00:00:00Z');
    return Number.isNaN(d.getTime()) ? String(day) : fmt.day.format(d);
  }

  function formatDateTime(value) {
    if (!value) return '—';
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? String(value) : fmt.dateTime.format(d);
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message, details, requestId) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || null;
      this.requestId = requestId || null;
    }
  }

  /** Calls the API; resolves to the parsed JSON body, rejects with an ApiError. A 401 on an
   *  authenticated call ends the session and shows the sign-in form. */
  async function api(method, path, options = {}) {
    const { body, auth = true, onUnauthorized = true } = options;
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && state.token) headers.Authorization = `Bearer ${state.token}`;
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (_) {
      throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check the connection and try again.');
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_) {
        data = null;
      }
    }
    if (!response.ok) {
      const e = data && typeof data === 'object' && data.error && typeof data.error === 'object' ? data.error : {};
      const error = new ApiError(
        response.status,
        typeof e.code === 'string' ? e.code : `HTTP_${response.status}`,
        typeof e.message === 'string' && e.message
          ? e.message
          : `The server answered ${response.status}${response.statusText ? ' ' + response.statusText : ''}.`,
        e.details,
        e.request_id || response.headers.get('x-request-id'),
      );
      if (response.status === 401 && auth && onUnauthorized) {
        endSession('Your session has ended. Please sign in again.');
      }
      throw error;
    }
    return data;
  }

  /** Shows an API error (the O4 envelope's message, field errors, code) in a node. */
  function showError(node, error, prefix) {
    const parts = [];
    if (prefix) parts.push(prefix);
    parts.push(error && error.message ? error.message : String(error));
    const fields = error && error.details && Array.isArray(error.details.fields) ? error.details.fields : [];
    for (const f of fields) {
      if (f && (f.field || f.message)) parts.push(`${f.field || ''}${f.field && f.message ? ': ' : ''}${f.message || ''}`);
    }
    if (error && error.status >= 500 && error.requestId) parts.push(`(reference ${error.requestId})`);
    node.textContent = parts.join(' ');
    node.dataset.code = (error && error.code) || '';
    node.dataset.status = error && isNumber(error.status) ? String(error.status) : '';
    show(node, true);
  }

  function clearError(node) {
    node.textContent = '';
    delete node.dataset.code;
    delete node.dataset.status;
    show(node, false);
  }

  function forbiddenText(what) {
    return `${what} are for admins and instructors only (instructors see their own courses).`;
  }

  // ---------------------------------------------------------------- views and session

  function showView(name) {
    show($('boot-status'), false);
    show($('signin-section'), name === 'signin');
    show($('forbidden-section'), name === 'forbidden');
    show($('dashboard'), name === 'dashboard');
    show($('session'), name !== 'signin' && !!state.user);
    document.body.dataset.view = name;
  }

  function showSignin(notice) {
    const noticeNode = $('signin-notice');
    noticeNode.textContent = notice || '';
    show(noticeNode, !!notice);
    clearError($('signin-error'));
    showView('signin');
    $('signin-email').focus();
  }

  /** Forgets the session locally (no server call) and shows the sign-in form. */
  function endSession(notice) {
    const wasSignedIn = state.token !== null || state.user !== null;
    state.token = null;
    state.refreshToken = null;
    state.user = null;
    state.courseSeq++;
    state.businessSeq++;
    state.incidentsSeq++;
    writeSession(TOKEN_KEY, null);
    resetDashboard();
    if (wasSignedIn || !$('signin-section').hidden) showSignin(notice);
  }

  async function signOut() {
    const refreshToken = state.refreshToken;
    if (refreshToken) {
      try {
        await api('POST', '/auth/logout', { body: { refresh_token: refreshToken }, onUnauthorized: false });
      } catch (_) {
        // the session is forgotten locally whatever the server says
      }
    }
    endSession('You have signed out.');
  }

  async function onSignin(event) {
    event.preventDefault();
    const form = $('signin-form');
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    const submit = $('signin-submit');
    const errorNode = $('signin-error');
    clearError(errorNode);
    show($('signin-notice'), false);
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const tokens = await api('POST', '/auth/login', {
        auth: false,
        body: { email: $('signin-email').value.trim(), password: $('signin-password').value },
      });
      if (!tokens || typeof tokens.access_token !== 'string') {
        throw new ApiError(0, 'BAD_RESPONSE', 'The server answered the sign-in without a token.');
      }
      state.token = tokens.access_token;
      state.refreshToken = typeof tokens.refresh_token === 'string' ? tokens.refresh_token : null;
      writeSession(TOKEN_KEY, state.token);
      state.user = tokens.user && tokens.user.role ? tokens.user : await api('GET', '/me');
      $('signin-password').value = '';
      enter();
    } catch (error) {
      // A failed login, or a login whose /me lookup failed: stay signed out.
      state.token = null;
      state.refreshToken = null;
      state.user = null;
      writeSession(TOKEN_KEY, null);
      showError(errorNode, error);
      $('signin-password').focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  }

  function roleOf(user) {
    return user && typeof user.role === 'string' ? user.role.toLowerCase() : '';
  }

  /** After sign-in (or on load with a stored token): the dashboard for the user's role. */
  function enter() {
    const user = state.user;
    const role = roleOf(user);
    const who = $('signed-in-as');
    const name = user.display_name && user.display_name !== user.email ? `${user.display_name} (${user.email})` : user.email;
    who.textContent = `${name || 'unknown user'} · ${role || 'no role'}`;
    who.dataset.email = user.email || '';
    who.dataset.role = role;

    if (role !== 'admin' && role !== 'instructor') {
      showView('forbidden');
      $('forbidden-heading').focus();
      announce('Signed in. This dashboard is for admins and instructors only.');
      return;
    }
    const admin = role === 'admin';
    for (const node of document.querySelectorAll('.admin-only')) show(node, admin);
    showView('dashboard');
    announce(`Signed in as ${user.email}.`);
    $('main').focus();
    loadCourses();
    if (admin) {
      resetBusinessPeriod();
      loadBusiness();
      loadIncidents();
    }
  }

  function resetDashboard() {
    state.courses = [];
    state.charts = [];
    const select = $('course-select');
    select.replaceChildren(el('option', { value: '', text: 'Loading courses…' }));
    select.disabled = true;
    $('course-refresh').disabled = true;
    show($('course-view'), false);
    show($('courses-empty'), false);
    clearError($('courses-error'));
    $('business-charts').replaceChildren();
    $('business-latest-body').replaceChildren();
    show($('business-latest'), false);
    show($('business-empty'), false);
    clearError($('business-error'));
    $('business-view').dataset.state = 'empty';
    $('incidents-body').replaceChildren();
    show($('incidents-wrap'), false);
    show($('incidents-empty'), false);
    clearError($('incidents-error'));
    $('incidents-view').dataset.state = 'empty';
    $('signed-in-as').textContent = '';
  }

  // ---------------------------------------------------------------- courses

  async function loadCourses() {
    const select = $('course-select');
    const errorNode = $('courses-error');
    clearError(errorNode);
    select.disabled = true;
    const user = state.user;
    const courses = [];
    try {
      let after = null;
      for (let page = 0; page < MAX_COURSE_PAGES; page++) {
        const params = new URLSearchParams({ limit: '100' });
        // Admins list every course in any state; instructors their own in any state.
        if (roleOf(user) !== 'admin') params.set('owner_id', user.id);
        if (after) params.set('after', after);
        const data = await api('GET', `/courses?${params}`);
        if (state.user !== user) return;
        const items = data && Array.isArray(data.items) ? data.items : [];
        courses.push(...items);
        after = data && data.next_after;
        if (!after || items.length === 0) break;
      }
    } catch (error) {
      if (error.status === 401) return;
      showError(errorNode, error, 'The course list could not be loaded:');
      select.replaceChildren(el('option', { value: '', text: 'No courses loaded' }));
      return;
    }
    courses.sort((a, b) => String(a.title).localeCompare(String(b.title)) || String(a.id).localeCompare(String(b.id)));
    state.courses = courses;
    if (courses.length === 0) {
      select.replaceChildren(el('option', { value: '', text: 'No courses' }));
      show($('courses-empty'), true);
      show($('course-view'), false);
      return;
    }
    show($('courses-empty'), false);
    select.replaceChildren(
      ...courses.map((c) =>
        el('option', {
          value: c.id,
          text: c.status && c.status !== 'published' ? `${c.title} (${c.status})` : c.title,
        }),
      ),
    );
    select.disabled = false;
    $('course-refresh').disabled = false;
    const remembered = readSession(COURSE_KEY);
    const chosen = courses.some((c) => c.id === remembered) ? remembered : courses[0].id;
    select.value = chosen;
    loadCourse(chosen);
  }

  async function loadCourse(id) {
    if (!id) return;
    writeSession(COURSE_KEY, id);
    const seq = ++state.courseSeq;
    const view = $('course-view');
    const course = state.courses.find((c) => c.id === id);
    view.dataset.courseId = id;
    view.dataset.load = String(seq);
    view.dataset.state = 'loading';
    view.setAttribute('aria-busy', 'true');
    show(view, true);
    $('course-title').textContent = course ? course.title : 'Course';
    clearError($('course-error'));
    clearError($('questions-error'));
    for (const key of ['enrollments', 'completions', 'completion-rate', 'median-days', 'active-learners']) {
      const node = $(`course-${key}`);
      node.textContent = '…';
      node.dataset.value = '';
    }
    $('funnel-body').replaceChildren();
    $('funnel-chart').replaceChildren();
    $('funnel-legend').replaceChildren();
    $('questions-body').replaceChildren();
    show($('funnel-empty'), false);
    show($('questions-empty'), false);
    show($('questions-wrap'), true);
    state.charts = state.charts.filter((c) => c.container !== $('funnel-chart'));

    const path = `/analytics/courses/${encodeURIComponent(id)}`;
    const [summary, questions] = await Promise.allSettled([api('GET', path), api('GET', `${path}/questions`)]);
    if (seq !== state.courseSeq) return; // another course was chosen meanwhile

    let ok = true;
    let lessons = new Map();
    if (summary.status === 'fulfilled' && summary.value) {
      lessons = renderCourseSummary(summary.value);
    } else {
      ok = false;
      const error = summary.reason;
      if (error && error.status === 401) return;
      showError(
        $('course-error'),
        error,
        error && error.status === 403 ? forbiddenText('Course analytics') : 'The course analytics could not be loaded:',
      );
    }
    if (questions.status === 'fulfilled') {
      renderQuestions(Array.isArray(questions.value) ? questions.value : [], lessons);
    } else {
      ok = false;
      const error = questions.reason;
      if (error && error.status === 401) return;
      show($('questions-wrap'), false);
      showError(
        $('questions-error'),
        error,
        error && error.status === 403 ? forbiddenText('Question analytics') : 'The question analytics could not be loaded:',
      );
    }
    view.dataset.state = ok ? 'ready' : 'error';
    view.removeAttribute('aria-busy');
    announce(`Analytics for ${$('course-title').textContent} ${ok ? 'loaded' : 'could not be loaded completely'}.`);
  }

  /** Renders the numbers, the funnel chart and table; returns lesson id → title. */
  function renderCourseSummary(d) {
    if (d.title) $('course-title').textContent = d.title;
    setNumber($('course-enrollments'), d.enrollments, fmt.int);
    setNumber($('course-completions'), d.completions, fmt.int);
    setNumber($('course-completion-rate'), d.completion_rate, fmt.percent);
    setNumber($('course-median-days'), d.median_days_to_complete, fmt.days);
    setNumber($('course-active-learners'), d.active_learners, fmt.int);

    const funnel = Array.isArray(d.funnel) ? d.funnel.slice() : [];
    funnel.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    const lessons = new Map();
    const rows = [];
    for (const [i, step] of funnel.entries()) {
      const position = isNumber(step.position) ? step.position : i;
      lessons.set(step.lesson_id, { title: step.title, position });
      rows.push(
        el(
          'tr',
          { dataset: { testid: 'funnel-row', lessonId: step.lesson_id, position } },
          el('td', { class: 'num', text: fmt.int.format(position + 1) }),
          el('th', { scope: 'row', dataset: { testid: 'funnel-title' }, text: step.title }),
          numberCell(step.reached, fmt.int, 'funnel-reached'),
          numberCell(step.completed, fmt.int, 'funnel-completed'),
          numberCell(step.last_activity_here, fmt.int, 'funnel-last-activity'),
        ),
      );
    }
    $('funnel-body').replaceChildren(...rows);
    show($('funnel-empty'), funnel.length === 0);

    if (funnel.length > 0) {
      const series = [{ name: 'Reached' }, { name: 'Completed' }];
      $('funnel-legend').replaceChildren(legend(series));
      const max = Math.max(1, isNumber(d.enrollments) ? d.enrollments : 0, ...funnel.map((s) => s.reached || 0));
      const container = $('funnel-chart');
      const draw = () =>
        horizontalBarChart(container, {
          label: `Lesson funnel of ${d.title || 'the course'}: learners who reached and completed each lesson, out of ${fmt.int.format(d.enrollments || 0)} enrollments.`,
          max,
          series,
          rows: funnel.map((s, i) => ({
            label: `${fmt.int.format((isNumber(s.position) ? s.position : i) + 1)}. ${s.title}`,
            values: [s.reached, s.completed],
          })),
        });
      draw();
      state.charts.push({ container, draw });
    }
    return lessons;
  }

  function renderQuestions(questions, lessons) {
    show($('questions-empty'), questions.length === 0);
    show($('questions-wrap'), questions.length > 0);
    const perLesson = new Map();
    const rows = questions.map((q) => {
      const n = (perLesson.get(q.lesson_id) || 0) + 1;
      perLesson.set(q.lesson_id, n);
      const lesson = lessons.get(q.lesson_id);
      const hard = isNumber(q.correct_rate) && q.correct_rate < 0.5;
      return el(
        'tr',
        {
          class: hard ? 'hard' : null,
          dataset: { testid: 'question-row', questionId: q.question_id, lessonId: q.lesson_id, hard: hard ? 'true' : 'false' },
        },
        el('td', { text: lesson ? `${fmt.int.format(lesson.position + 1)}. ${lesson.title}` : `Lesson ${shortId(q.lesson_id)}` }),
        el('td', {}, `Question ${fmt.int.format(n)} `, el('code', { title: q.question_id, text: shortId(q.question_id) })),
        numberCell(q.attempts, fmt.int, 'question-attempts'),
        numberCell(q.correct, fmt.int, 'question-correct'),
        numberCell(q.correct_rate, fmt.percent, 'question-correct-rate'),
        numberCell(q.discrimination, fmt.discrimination, 'question-discrimination'),
        el('td', {}, hard ? el('span', { class: 'badge hard', text: 'Hard' }) : ''),
      );
    });
    $('questions-body').replaceChildren(...rows);
  }

  // ---------------------------------------------------------------- business

  function resetBusinessPeriod() {
    const today = isoDay(new Date());
    $('business-to').value = today;
    $('business-from').value = addDays(today, -(BUSINESS_DAYS - 1));
  }

  async function loadBusiness() {
    const from = $('business-from').value;
    const to = $('business-to').value;
    const errorNode = $('business-error');
    const view = $('business-view');
    clearError(errorNode);
    if (!from || !to || from > to) {
      showError(errorNode, new ApiError(0, 'INVALID_PERIOD', 'Choose a start date on or before the end date.'));
      return;
    }
    const seq = ++state.businessSeq;
    view.dataset.state = 'loading';
    view.setAttribute('aria-busy', 'true');
    $('business-submit').disabled = true;
    // A date means its midnight UTC, so the day after `to` includes all of `to`.
    const params = new URLSearchParams({ from, to: addDays(to, 1) });
    try {
      const rows = await api('GET', `/analytics/business?${params}`);
      if (seq !== state.businessSeq) return;
      renderBusiness(Array.isArray(rows) ? rows : [], from, to);
      view.dataset.state = 'ready';
    } catch (error) {
      if (seq !== state.businessSeq || error.status === 401) return;
      showError(errorNode, error, error.status === 403 ? 'Business analytics are for admins only.' : 'The business analytics could not be loaded:');
      view.dataset.state = 'error';
    } finally {
      if (seq === state.businessSeq) {
        view.removeAttribute('aria-busy');
        $('business-submit').disabled = false;
      }
    }
  }

  function moneyFormatter(currency) {
    const code = String(currency || '').toUpperCase();
    try {
      const full = new Intl.NumberFormat(undefined, { style: 'currency', currency: code });
      const compact = new Intl.NumberFormat(undefined, { style: 'currency', currency: code, notation: 'compact', maximumFractionDigits: 1 });
      const scale = 10 ** full.resolvedOptions().maximumFractionDigits;
      return { code, format: (minor) => full.format(minor / scale), compact: (minor) => compact.format(minor / scale) };
    } catch (_) {
      const label = code || 'unknown currency';
      return {
        code: label,
        format: (minor) => `${fmt.int.format(minor)} (${label} minor units)`,
        compact: (minor) => fmt.int.format(minor),
      };
    }
  }

  function renderBusiness(rows, from, to) {
    const byCurrency = new Map();
    for (const r of rows) {
      const key = String(r.currency || '').toUpperCase();
      if (!byCurrency.has(key)) byCurrency.set(key, []);
      byCurrency.get(key).push(r);
    }
    const currencies = [...byCurrency.keys()].sort();
    const charts = $('business-charts');
    state.charts = state.charts.filter((c) => !charts.contains(c.container));
    show($('business-empty'), rows.length === 0);
    show($('business-latest'), rows.length > 0);

    const days = [];
    for (let day = from; day <= to && days.length < 3700; day = addDays(day, 1)) days.push(day);
    const lastDataDay = rows.reduce((m, r) => (r.date > m ? r.date : m), '');

    const latestRows = [];
    const panels = [];
    for (const currency of currencies) {
      const list = byCurrency.get(currency).slice().sort((a, b) => String(a.date).localeCompare(String(b.date)));
      const money = moneyFormatter(currency);
      const byDay = new Map();
      for (const r of list) {
        const prev = byDay.get(r.date);
        if (prev) {
          // one row per day and currency is the contract; add up defensively
          for (const k of ['orders_paid', 'orders_failed', 'gross_minor', 'refunded_minor', 'subscriptions_started', 'subscriptions_ended']) {
            prev[k] = (prev[k] || 0) + (r[k] || 0);
          }
          prev.mrr_minor = r.mrr_minor;
        } else byDay.set(r.date, { ...r });
      }
      const latest = list[list.length - 1];
      latestRows.push(
        el(
          'tr',
          { dataset: { testid: 'business-latest-row', currency } },
          el('th', { scope: 'row', text: money.code }),
          el('td', { dataset: { testid: 'business-latest-date', value: latest.date }, text: formatDay(latest.date) }),
          numberCell(latest.orders_paid, fmt.int, 'business-latest-orders-paid'),
          numberCell(latest.orders_failed, fmt.int, 'business-latest-orders-failed'),
          numberCell(latest.gross_minor, money, 'business-latest-gross'),
          numberCell(latest.refunded_minor, money, 'business-latest-refunded'),
          numberCell(latest.subscriptions_started, fmt.int, 'business-latest-subscriptions-started'),
          numberCell(latest.subscriptions_ended, fmt.int, 'business-latest-subscriptions-ended'),
          numberCell(latest.mrr_minor, money, 'business-latest-mrr'),
        ),
      );

      const gross = days.map((day) => (byDay.has(day) ? byDay.get(day).gross_minor || 0 : 0));
      // MRR is the value at the end of a day; days without events keep the previous value.
      let carried = null;
      const mrr = days.map((day) => {
        if (byDay.has(day) && isNumber(byDay.get(day).mrr_minor)) carried = byDay.get(day).mrr_minor;
        return day > lastDataDay ? null : carried;
      });
      const totalGross = list.reduce((s, r) => s + (r.gross_minor || 0), 0);
      const totalRefunded = list.reduce((s, r) => s + (r.refunded_minor || 0), 0);
      const totalPaid = list.reduce((s, r) => s + (r.orders_paid || 0), 0);
      const totalFailed = list.reduce((s, r) => s + (r.orders_failed || 0), 0);

      const salesBox = el('div', { class: 'chart', dataset: { testid: 'sales-chart', currency } });
      const mrrBox = el('div', { class: 'chart', dataset: { testid: 'mrr-chart', currency } });
      const headingId = `business-${currency.replace(/[^A-Za-z0-9]/g, '') || 'unknown'}-heading`;
      panels.push(
        el(
          'section',
          { class: 'currency-panel', 'aria-labelledby': headingId, dataset: { testid: 'currency-panel', currency } },
          el('h3', { id: headingId, text: money.code }),
          el(
            'p',
            { dataset: { testid: 'business-period-totals' } },
            `In the period: gross ${money.format(totalGross)}, refunded ${money.format(totalRefunded)}, `,
            `${fmt.int.format(totalPaid)} orders paid, ${fmt.int.format(totalFailed)} failed.`,
          ),
          el(
            'div',
            { class: 'chart-grid' },
            el('div', {}, el('h4', { text: 'Sales (gross per day)' }), salesBox),
            el('div', {}, el('h4', { text: 'MRR (end of day)' }), mrrBox),
          ),
          dailyTable(list, money),
        ),
      );
      const drawSales = () =>
        timeChart(salesBox, {
          kind: 'bar',
          days,
          values: gross,
          format: money.format,
          tick: money.compact,
          label: `Gross sales per day in ${money.code} from ${formatDay(from)} to ${formatDay(to)}; total ${money.format(totalGross)}.`,
        });
      const drawMrr = () =>
        timeChart(mrrBox, {
          kind: 'line',
          days,
          values: mrr,
          format: money.format,
          tick: money.compact,
          label: `Monthly recurring revenue in ${money.code} at the end of each day from ${formatDay(from)} to ${formatDay(to)}; latest ${isNumber(latest.mrr_minor) ? money.format(latest.mrr_minor) : 'unknown'}.`,
        });
      state.charts.push({ container: salesBox, draw: drawSales }, { container: mrrBox, draw: drawMrr });
    }
    $('business-latest-body').replaceChildren(...latestRows);
    charts.replaceChildren(...panels);
    // drawn once attached, so that their width is known
    for (const c of state.charts) if (charts.contains(c.container)) c.draw();
  }

  function dailyTable(list, money) {
    const rows = list
      .slice()
      .reverse()
      .map((r) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row', text: formatDay(r.date) }),
          numberCell(r.orders_paid, fmt.int),
          numberCell(r.orders_failed, fmt.int),
          numberCell(r.gross_minor, money),
          numberCell(r.refunded_minor, money),
          numberCell(r.subscriptions_started, fmt.int),
          numberCell(r.subscriptions_ended, fmt.int),
          numberCell(r.mrr_minor, money),
        ),
      );
    const head = ['Day', 'Orders paid', 'Orders failed', 'Gross', 'Refunded', 'Subscriptions started', 'Subscriptions ended', 'MRR'];
    return el(
      'details',
      {},
      el('summary', { text: `Daily figures (${money.code})` }),
      el(
        'div',
        { class: 'table-wrap', role: 'region', 'aria-label': `Daily figures in ${money.code}`, tabindex: '0' },
        el(
          'table',
          {},
          el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', { scope: 'col', class: i > 0 ? 'num' : null, text: h })))),
          el('tbody', {}, ...rows),
        ),
      ),
    );
  }

  // ---------------------------------------------------------------- incidents

  async function loadIncidents(options = {}) {
    const seq = ++state.incidentsSeq;
    const view = $('incidents-view');
    const errorNode = $('incidents-error');
    view.dataset.state = 'loading';
    view.setAttribute('aria-busy', 'true');
    $('incidents-refresh').disabled = true;
    try {
      const [open, acknowledged] = await Promise.all([
        api('GET', '/admin/incidents?status=open'),
        api('GET', '/admin/incidents?status=acknowledged'),
      ]);
      if (seq !== state.incidentsSeq) return;
      clearError(errorNode);
      const seen = new Set();
      const all = [...(Array.isArray(open) ? open : []), ...(Array.isArray(acknowledged) ? acknowledged : [])]
        .filter((i) => i && !seen.has(i.id) && seen.add(i.id))
        .sort((a, b) => (Date.parse(b.opened_at) || 0) - (Date.parse(a.opened_at) || 0));
      renderIncidents(all);
      view.dataset.state = 'ready';
      view.dataset.count = String(all.length);
    } catch (error) {
      if (seq !== state.incidentsSeq || error.status === 401) return;
      showError(errorNode, error, error.status === 403 ? 'Incidents are for admins only.' : 'The incidents could not be loaded:');
      view.dataset.state = 'error';
    } finally {
      if (seq === state.incidentsSeq) {
        view.removeAttribute('aria-busy');
        $('incidents-refresh').disabled = false;
        if (options.focus) $('incidents-heading').focus();
      }
    }
  }

  function renderIncidents(incidents) {
    show($('incidents-empty'), incidents.length === 0);
    show($('incidents-wrap'), incidents.length > 0);
    const rows = incidents.map((incident) => {
      const severity = String(incident.severity || '').toLowerCase();
      const status = String(incident.status || '').toLowerCase();
      const rule = incident.rule || 'incident';
      const actions = el('div', { class: 'actions' });
      if (status === 'open') {
        actions.append(
          el('button', {
            type: 'button',
            class: 'secondary',
            'aria-label': `Acknowledge incident ${rule}`,
            dataset: { testid: 'ack-button', incidentId: incident.id },
            text: 'Acknowledge',
          }),
        );
      }
      actions.append(
        el('button', {
          type: 'button',
          class: 'danger',
          'aria-label': `Resolve incident ${rule}`,
          dataset: { testid: 'resolve-button', incidentId: incident.id },
          text: 'Resolve',
        }),
      );
      for (const button of actions.querySelectorAll('button')) {
        const action = button.dataset.testid === 'ack-button' ? 'acknowledge' : 'resolve';
        button.addEventListener('click', () => incidentAction(incident, action, actions));
      }
      return el(
        'tr',
        { dataset: { testid: 'incident-row', incidentId: incident.id, status, severity } },
        el('td', {}, el('span', { class: `badge sev-${severity.replace(/[^a-z]/g, '')}`, text: severity || 'unknown' })),
        el('td', { dataset: { testid: 'incident-status' }, text: status }),
        el('th', { scope: 'row', text: rule }),
        el('td', { text: incident.component || '—' }),
        el('td', { text: incident.summary || '' }),
        el('td', {}, el('time', { datetime: incident.opened_at || null, text: formatDateTime(incident.opened_at) })),
        numberCell(incident.alerts, fmt.int, 'incident-alerts'),
        el('td', {}, actions),
      );
    });
    $('incidents-body').replaceChildren(...rows);
  }

  async function incidentAction(incident, action, actions) {
    for (const b of actions.querySelectorAll('button')) b.disabled = true;
    const errorNode = $('incidents-error');
    let failed = null;
    try {
      await api('POST', `/admin/incidents/${encodeURIComponent(incident.id)}/${action}`);
      announce(`Incident ${incident.rule || ''} ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`);
    } catch (error) {
      if (error.status === 401) return;
      failed = error;
    }
    await loadIncidents({ focus: true });
    if (failed) showError(errorNode, failed, `The incident could not be ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}:`);
  }

  // ---------------------------------------------------------------- charts (inline SVG)

  function legend(series) {
    return el(
      'ul',
      { class: 'legend', 'aria-hidden': 'true' },
      ...series.map((s, i) => el('li', {}, el('span', { class: `swatch s${i}` }), s.name)),
    );
  }

  function chartWidth(container) {
    return Math.max(240, Math.floor(container.clientWidth || container.getBoundingClientRect().width || 600));
  }

  function svgRoot(width, height, label) {
    const svg = svgEl('svg', {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': label,
      focusable: 'false',
    });
    svg.append(svgEl('title', { text: label }));
    return svg;
  }

  /** Horizontal bars: each row a label line and one bar per series, scaled to `max`. */
  function horizontalBarChart(container, { rows, series, max, label }) {
    const width = chartWidth(container);
    const valueSpace = 56;
    const barWidth = width - valueSpace;
    const labelHeight = 18;
    const barHeight = 14;
    const barGap = 3;
    const rowGap = 12;
    const rowHeight = labelHeight + series.length * (barHeight + barGap) + rowGap;
    const height = rows.length * rowHeight;
    const svg = svgRoot(width, height, label);
    const maxChars = Math.floor(width / 7.5);
    rows.forEach((row, r) => {
      const top = r * rowHeight;
      const text = svgEl('text', { x: 0, y: top + 13, class: 'label', text: truncate(row.label, maxChars) });
      if (row.label.length > maxChars) text.append(svgEl('title', { text: row.label }));
      svg.append(text);
      series.forEach((s, i) => {
        const value = isNumber(row.values[i]) ? row.values[i] : 0;
        const y = top + labelHeight + i * (barHeight + barGap);
        const w = max > 0 ? Math.max(value > 0 ? 2 : 0, (value / max) * barWidth) : 0;
        svg.append(svgEl('rect', { x: 0, y, width: barWidth, height: barHeight, class: 'bar-bg' }));
        const bar = svgEl('rect', { x: 0, y, width: w.toFixed(1), height: barHeight, class: `bar s${i}` });
        bar.append(svgEl('title', { text: `${row.label}: ${s.name} ${fmt.int.format(value)}` }));
        svg.append(bar);
        svg.append(
          svgEl('text', {
            x: (w + 6).toFixed(1),
            y: y + barHeight - 3,
            class: 'value',
            text: `${fmt.int.format(value)}`,
          }),
        );
      });
    });
    container.replaceChildren(svg);
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= value) return m * power;
    return 10 * power;
  }

  /** Values per day as bars or a line, with a y axis from 0 and a few day labels. */
  function timeChart(container, { kind, days, values, format, tick, label }) {
    const width = chartWidth(container);
    const height = 200;
    const present = values.filter(isNumber);
    const top = niceMax(Math.max(0, ...present));
    const ticks = [0, top / 2, top];
    const left = Math.min(Math.floor(width / 3), 10 + 7 * Math.max(...ticks.map((t) => tick(t).length)));
    const right = 10;
    const topPad = 8;
    const bottom = 26;
    const plotW = width - left - right;
    const plotH = height - topPad - bottom;
    const y = (v) => topPad + plotH - (v / top) * plotH;
    const n = Math.max(1, days.length);
    const band = plotW / n;
    const xCenter = (i) => left + band * i + band / 2;
    const svg = svgRoot(width, height, label);

    for (const t of ticks) {
      svg.append(svgEl('line', { x1: left, x2: width - right, y1: y(t).toFixed(1), y2: y(t).toFixed(1), class: t === 0 ? 'axis' : 'grid' }));
      svg.append(svgEl('text', { x: left - 6, y: (y(t) + 4).toFixed(1), 'text-anchor': 'end', class: 'tick', text: tick(t) }));
    }
    const labelIdx = n > 2 ? [0, Math.floor((n - 1) / 2), n - 1] : [...Array(n).keys()];
    for (const i of labelIdx) {
      if (!days[i]) continue;
      const anchor = i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
      const x = i === 0 ? left : i === n - 1 ? width - right : xCenter(i);
      svg.append(
        svgEl('text', { x: x.toFixed(1), y: height - 8, 'text-anchor': anchor, class: 'tick', text: fmt.shortDay.format(new Date(days[i] + 'T00:00:00Z')) }),
      );
    }

    if (kind === 'bar') {
      const bw = Math.max(1, band * 0.7);
      values.forEach((v, i) => {
        if (!isNumber(v) || v <= 0) return;
        const yy = y(v);
        const bar = svgEl('rect', {
          x: (xCenter(i) - bw / 2).toFixed(1),
          y: yy.toFixed(1),
          width: bw.toFixed(1),
          height: Math.max(1, topPad + plotH - yy).toFixed(1),
          class: 'bar s0',
        });
        bar.append(svgEl('title', { text: `${formatDay(days[i])}: ${format(v)}` }));
        svg.append(bar);
      });
    } else {
      let d = '';
      let pen = false;
      values.forEach((v, i) => {
        if (!isNumber(v)) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${xCenter(i).toFixed(1)} ${y(v).toFixed(1)} `;
        pen = true;
      });
      if (d) svg.append(svgEl('path', { d: d.trim(), class: 'line s0' }));
      const lastIndex = values.reduce((m, v, i) => (isNumber(v) ? i : m), -1);
      values.forEach((v, i) => {
        if (!isNumber(v)) return;
        const isolated = !isNumber(values[i - 1]) && !isNumber(values[i + 1]);
        if (!(isolated || i === lastIndex || n <= 31)) return;
        const dot = svgEl('circle', { cx: xCenter(i).toFixed(1), cy: y(v).toFixed(1), r: 3, class: 'dot s0' });
        dot.append(svgEl('title', { text: `${formatDay(days[i])}: ${format(v)}` }));
        svg.append(dot);
      });
    }
    if (present.length === 0) {
      svg.append(svgEl('text', { x: left + plotW / 2, y: topPad + plotH / 2, 'text-anchor': 'middle', class: 'tick', text: 'No data' }));
    }
    container.replaceChildren(svg);
  }

  let resizeTimer = 0;
  let lastWidth = window.innerWidth;
  function onResize() {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      if (window.innerWidth === lastWidth) return;
      lastWidth = window.innerWidth;
      state.charts = state.charts.filter((c) => c.container.isConnected);
      for (const c of state.charts) if (c.container.offsetParent !== null) c.draw();
    }, 150);
  }

  // ---------------------------------------------------------------- start

  async function start() {
    $('signin-form').addEventListener('submit', onSignin);
    $('signout').addEventListener('click', signOut);
    $('forbidden-signout').addEventListener('click', signOut);
    $('course-select').addEventListener('change', (e) => loadCourse(e.target.value));
    $('course-refresh').addEventListener('click', () => loadCourse($('course-select').value));
    $('business-form').addEventListener('submit', (e) => {
      e.preventDefault();
      loadBusiness();
    });
    $('incidents-refresh').addEventListener('click', () => loadIncidents({ focus: false }));
    window.addEventListener('resize', onResize);

    if (!state.token) {
      showSignin();
      return;
    }
    try {
      state.user = await api('GET', '/me');
      enter();
    } catch (error) {
      if (error.status === 401) return; // endSession showed the form
      state.token = null;
      writeSession(TOKEN_KEY, null);
      showSignin();
      showError($('signin-error'), error, 'Your session could not be restored:');
    }
  }

  start();
})();
