// Loudao sandbox chat page: plain JS, no build step. Talks to /sandbox/api/.
"use strict";

const TEXTS = {
  zh: {
    persona: "当前身份", search: "搜索", connecting: "正在连接…", online: "已连接",
    offline: "连接中断，正在重试…", pick_chat: "请选择一个聊天", members: "成员", send: "发送",
    type: "输入消息，@ 提及，Enter 发送，Shift+Enter 换行", photo: "发送图片", ok: "确定",
    reply: "回复", edited: "已编辑", bot: "机器人", no_answer: "机器人没有响应",
    private_with: "与机器人私聊", member_count: "{n} 位成员", replying: "回复 {name}：{text}",
    joined: "{who} 加入了群聊", left: "{who} 离开了群聊", pinned: "{who} 置顶了一条消息",
    votes: "{n} 票", closed: "投票已结束", photo_msg: "[图片]", file_msg: "[文件]", poll_msg: "[投票]",
    error: "出错了：{text}", not_member: "你不在这个群里", voters: "{n} 人已投",
    upgraded_to: "本群已升级为超级群（{id}）", upgraded_from: "本群由普通群（{id}）升级而来",
  },
  en: {
    persona: "Acting as", search: "Search", connecting: "Connecting…", online: "Connected",
    offline: "Connection lost, retrying…", pick_chat: "Pick a chat", members: "Members",
    send: "Send", type: "Type a message, @ to mention, Enter sends, Shift+Enter new line",
    photo: "Send a photo", ok: "OK", reply: "Reply", edited: "edited", bot: "bot",
    no_answer: "The bot did not answer", private_with: "Private chat with the bot",
    member_count: "{n} members", replying: "Replying to {name}: {text}",
    joined: "{who} joined the group", left: "{who} left the group",
    pinned: "{who} pinned a message", votes: "{n} votes", closed: "Poll closed",
    photo_msg: "[photo]", file_msg: "[file]", poll_msg: "[poll]", error: "Error: {text}",
    not_member: "You are not in this group", voters: "{n} voted",
    upgraded_to: "This group was upgraded to a supergroup ({id})",
    upgraded_from: "This supergroup was upgraded from a group ({id})",
  },
};

const S = {
  lang: localStorage.getItem("sandbox.lang") || "zh",
  world: null, // last /state answer
  me: null, // persona user id
  chatId: null,
  messages: [],
  version: 0,
  replyTo: null,
  seen: JSON.parse(localStorage.getItem("sandbox.seen") || "{}"),
};
const $ = (id) => document.getElementById(id);

function t(key, params) {
  let text = (TEXTS[S.lang] || TEXTS.zh)[key] || key;
  for (const [k, v] of Object.entries(params || {})) text = text.replace(`{${k}}`, v);
  return text;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, path, body) {
  const response = await fetch(`/sandbox/api/${path}`, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.description || response.statusText);
  return data;
}

// -- people and chats -------------------------------------------------------------------
function user(id) {
  if (S.world && id === S.world.bot.id) return { id, name: S.world.bot.name, username: S.world.bot.username };
  return (S.world ? S.world.users : []).find((u) => u.id === id) || { id, name: String(id) };
}

function myChats() {
  if (!S.world || S.me === null) return [];
  return S.world.chats.filter((c) => (c.type === "private" ? c.id === S.me : c.members.includes(S.me)));
}

function chatTitle(chat) {
  return chat.type === "private" ? `${S.world.bot.name}` : chat.title;
}

function initial(name) {
  return (name || "?").trim().charAt(0) || "?";
}

function renderPersonas() {
  const select = $("persona");
  const current = String(S.me);
  // Residents and staff in two groups, so "resident of building 3" and "Zhang" are easy to find.
  const isResident = (u) => /住户|业主|resident/i.test(u.role || "");
  const option = (u) => el("option", { value: u.id }, `${u.name}${u.role ? " · " + u.role : ""}`);
  const staff = S.world.users.filter((u) => !isResident(u));
  const residents = S.world.users.filter(isResident);
  select.replaceChildren(
    el("optgroup", { label: S.lang === "zh" ? "工作人员" : "Staff" }, ...staff.map(option)),
    el("optgroup", { label: S.lang === "zh" ? "住户" : "Residents" }, ...residents.map(option)),
  );
  if (current !== "null") select.value = current;
  const me = user(S.me);
  $("me-avatar").textContent = initial(me.name);
}

function renderChatList() {
  const filter = $("chat-filter").value.trim().toLowerCase();
  const items = myChats()
    .filter((c) => !filter || chatTitle(c).toLowerCase().includes(filter))
    .sort((a, b) => (a.type === "private") - (b.type === "private") || a.title.localeCompare(b.title, "zh", { numeric: true }))
    .map((chat) => {
      const seen = S.seen[`${S.me}:${chat.id}`] || 0;
      const unread = chat.id === S.chatId ? 0 : Math.max(0, chat.last_message_id - seen);
      const preview = chat.last ? `${chat.last.from}：${chat.last.text}` : "";
      const isPrivate = chat.type === "private";
      return el("li", {
        class: "chat-item" + (chat.id === S.chatId ? " active" : ""),
        "data-chat-id": chat.id,
        onclick: () => openChat(chat.id),
      },
      el("div", { class: "avatar " + (isPrivate ? "bot" : "group") }, initial(chatTitle(chat))),
      el("div", { class: "info" },
        el("div", { class: "title" }, chatTitle(chat)),
        el("div", { class: "preview" }, isPrivate && !preview ? t("private_with") : preview)),
      unread ? el("span", { class: "badge" }, unread > 99 ? "99+" : unread) : null);
    });
  $("chat-list").replaceChildren(...items);
}

// -- messages ---------------------------------------------------------------------------
const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote",
};

// Entities count UTF-16 units, which is exactly how JS strings index.
function renderEntities(text, entities, start, end) {
  const out = [];
  let pos = start;
  const inner = (entities || [])
    .filter((e) => e.offset >= start && e.offset + e.length <= end)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  let i = 0;
  while (i < inner.length) {
    const e = inner[i];
    if (e.offset < pos) { i += 1; continue; } // nested inside a previous one: handled there
    if (e.offset > pos) out.push(text.slice(pos, e.offset));
    const children = renderEntities(text, inner.filter((x) => x !== e), e.offset, e.offset + e.length);
    let node;
    if (e.type === "text_link" || e.type === "url") {
      node = el("a", { href: e.url || text.slice(e.offset, e.offset + e.length), target: "_blank", rel: "noopener" }, ...children);
    } else if (e.type === "mention" || e.type === "text_mention" || e.type === "bot_command") {
      node = el("span", { class: "mention" }, ...children);
    } else if (e.type === "spoiler") {
      node = el("span", { class: "spoiler" }, ...children);
    } else {
      node = el(ENTITY_TAGS[e.type] || "span", {}, ...children);
    }
    out.push(node);
    pos = e.offset + e.length;
    i += 1;
  }
  if (pos < end) out.push(text.slice(pos, end));
  return out;
}

function serviceText(m) {
  const who = m.from.first_name;
  const s = m.service || {};
  if (s.new_chat_members) return t("joined", { who: s.new_chat_members.map((u) => u.first_name).join("、") });
  if (s.left_chat_member) return t("left", { who: s.left_chat_member.first_name });
  if (s.pinned_message) return t("pinned", { who });
  if (s.migrate_to_chat_id) return t("upgraded_to", { id: s.migrate_to_chat_id });
  if (s.migrate_from_chat_id) return t("upgraded_from", { id: s.migrate_from_chat_id });
  return JSON.stringify(s);
}

function renderPoll(m) {
  const poll = m.poll;
  const total = poll.total_voter_count;
  return el("div", { class: "poll" + (poll.is_closed ? " closed" : "") },
    el("b", {}, "📊 " + poll.question),
    ...poll.options.map((o, index) => el("div", {
      class: "option",
      onclick: () => !poll.is_closed && vote(poll.id, index),
    }, el("span", {}, o.text), el("span", { class: "hint" }, t("votes", { n: o.voter_count })))),
    el("div", { class: "hint" }, poll.is_closed ? t("closed") : t("voters", { n: total })));
}

function renderKeyboard(m) {
  const rows = (m.reply_markup && m.reply_markup.inline_keyboard) || [];
  if (!rows.length) return null;
  return el("div", { class: "keyboard" }, ...rows.map((row) => el("div", { class: "kb-row" },
    ...row.map((b) => el("button", {
      class: "kb-btn",
      type: "button",
      "data-callback": b.callback_data || null,
      onclick: (event) => pressButton(event.currentTarget, m, b),
    }, b.text)))));
}

function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderDocument(d) {
  return el("a", { class: "document", href: d.url, download: d.file_name || "file" },
    el("span", { class: "doc-icon" }, "📄"),
    el("span", { class: "doc-name" }, d.file_name || t("file_msg")),
    el("span", { class: "doc-size" }, fileSize(d.file_size)));
}

function renderMessage(m) {
  if (m.service) return el("div", { class: "service", "data-message-id": m.message_id }, serviceText(m));
  const mine = m.from.id === S.me;
  const chat = S.world.chats.find((c) => c.id === S.chatId);
  const bubble = el("div", { class: "bubble" });
  if (m.reply_to_message_id) {
    const target = S.messages.find((x) => x.message_id === m.reply_to_message_id);
    if (target) bubble.append(el("div", { class: "quote" }, `${target.from.first_name}：${(target.text || t("photo_msg")).slice(0, 40)}`));
  }
  if (m.photo_url) bubble.append(el("img", { src: m.photo_url, alt: t("photo_msg") }));
  if (m.document) bubble.append(renderDocument(m.document));
  if (m.poll) bubble.append(renderPoll(m));
  else if (m.text) bubble.append(...renderEntities(m.text, m.entities, 0, m.text.length));
  const name = m.from.first_name + (m.from.is_bot ? ` (${t("bot")})` : "");
  return el("div", {
    class: "msg" + (mine ? " mine" : "") + (m.from.is_bot ? " bot" : ""),
    "data-message-id": m.message_id,
  },
  el("div", { class: "avatar" + (m.from.is_bot ? " bot" : "") }, initial(m.from.first_name)),
  el("div", { class: "body" },
    chat && chat.type !== "private" && !mine ? el("div", { class: "sender" }, name) : null,
    bubble,
    renderKeyboard(m),
    el("div", { class: "meta" },
      el("span", {}, new Date(m.date * 1000).toLocaleTimeString(S.lang === "zh" ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit" })),
      m.edited ? el("span", {}, t("edited")) : null,
      el("span", { class: "act", onclick: () => startReply(m) }, t("reply")))));
}

function renderMessages() {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  box.replaceChildren(...S.messages.map(renderMessage));
  if (atBottom || box.dataset.chat !== String(S.chatId)) box.scrollTop = box.scrollHeight;
  box.dataset.chat = String(S.chatId);
}

function renderHeader() {
  const chat = S.world && S.world.chats.find((c) => c.id === S.chatId);
  $("chat-title").textContent = chat ? chatTitle(chat) : t("pick_chat");
  $("chat-sub").textContent = chat && chat.type !== "private" ? t("member_count", { n: chat.members.length + (chat.bot_member ? 1 : 0) }) : "";
  const panel = $("members-panel");
  if (!panel.hidden && chat) {
    const ids = chat.type === "private" ? [chat.id] : chat.members;
    panel.replaceChildren(...[S.world.bot.id, ...ids].map((id) => {
      const u = user(id);
      return el("div", { class: "member" }, `${u.name}${u.username ? " @" + u.username : ""}${u.role ? " · " + u.role : ""}`);
    }));
  }
}

// -- actions ----------------------------------------------------------------------------
async function openChat(chatId) {
  S.chatId = chatId;
  S.replyTo = null;
  $("reply-bar").hidden = true;
  localStorage.setItem(`sandbox.chat.${S.me}`, String(chatId));
  await loadMessages();
  renderChatList();
  renderHeader();
  $("composer-input").focus();
}

async function loadMessages() {
  if (S.chatId === null) { S.messages = []; renderMessages(); return; }
  S.messages = await api("GET", `chats/${S.chatId}/messages?after_id=0`);
  const last = S.messages.length ? S.messages[S.messages.length - 1].message_id : 0;
  S.seen[`${S.me}:${S.chatId}`] = last;
  localStorage.setItem("sandbox.seen", JSON.stringify(S.seen));
  renderMessages();
}

function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 2200);
}

function alertBox(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
}

async function send() {
  const input = $("composer-input");
  const text = input.value;
  if (!text.trim() || S.chatId === null) return;
  $("send-btn").disabled = true;
  try {
    await api("POST", "messages", {
      chat_id: S.chatId, from_user_id: S.me, text,
      reply_to_message_id: S.replyTo ? S.replyTo.message_id : undefined,
    });
    input.value = "";
    cancelReply();
    await loadMessages();
  } catch (error) {
    toast(t("error", { text: error.message }));
  } finally {
    $("send-btn").disabled = false;
    input.focus();
  }
}

function sendPhoto(file) {
  if (!file || S.chatId === null) return;
  const reader = new FileReader();
  reader.onload = async () => {
    try {
      await api("POST", "messages", {
        chat_id: S.chatId, from_user_id: S.me, text: $("composer-input").value, photo: reader.result,
        reply_to_message_id: S.replyTo ? S.replyTo.message_id : undefined,
      });
      $("composer-input").value = "";
      cancelReply();
      await loadMessages();
    } catch (error) {
      toast(t("error", { text: error.message }));
    }
  };
  reader.readAsDataURL(file);
}

async function pressButton(button, message, b) {
  if (b.url) { window.open(b.url, "_blank", "noopener"); return; }
  if (!b.callback_data) return;
  button.disabled = true;
  try {
    const answer = await api("POST", "callbacks", {
      chat_id: message.chat_id, message_id: message.message_id, from_user_id: S.me, data: b.callback_data,
    });
    if (!answer.answered) toast(t("no_answer"));
    else if (answer.url) window.open(answer.url, "_blank", "noopener");
    else if (answer.text && answer.show_alert) alertBox(answer.text);
    else if (answer.text) toast(answer.text);
  } catch (error) {
    toast(t("error", { text: error.message }));
  } finally {
    button.disabled = false;
  }
}

async function vote(pollId, index) {
  try {
    await api("POST", "poll_answers", { poll_id: pollId, from_user_id: S.me, option_ids: [index] });
  } catch (error) {
    toast(t("error", { text: error.message }));
  }
}

function startReply(m) {
  S.replyTo = m;
  $("reply-text").textContent = t("replying", { name: m.from.first_name, text: (m.text || "").slice(0, 30) });
  $("reply-bar").hidden = false;
  $("composer-input").focus();
}

function cancelReply() {
  S.replyTo = null;
  $("reply-bar").hidden = true;
}

// -- @-mention autocomplete -------------------------------------------------------------
const mention = { items: [], index: 0, start: -1 };

function mentionCandidates(prefix) {
  const chat = S.world && S.world.chats.find((c) => c.id === S.chatId);
  if (!chat) return [];
  const ids = [S.world.bot.id, ...(chat.type === "private" ? [] : chat.members)].filter((id) => id !== S.me);
  const p = prefix.toLowerCase();
  return ids.map(user).filter((u) => u.username &&
    (u.username.toLowerCase().startsWith(p) || u.name.toLowerCase().includes(p))).slice(0, 8);
}

function updateMention() {
  const input = $("composer-input");
  const before = input.value.slice(0, input.selectionStart);
  const match = /(^|\s)@([\w\u4e00-\u9fff]*)$/.exec(before);
  const box = $("mention-box");
  if (!match) { box.hidden = true; mention.items = []; return; }
  mention.items = mentionCandidates(match[2]);
  mention.start = before.length - match[2].length - 1;
  mention.index = 0;
  if (!mention.items.length) { box.hidden = true; return; }
  box.replaceChildren(...mention.items.map((u, i) => el("div", {
    class: "mention-item" + (i === 0 ? " sel" : ""),
    onmousedown: (event) => { event.preventDefault(); chooseMention(i); },
  }, `${u.name} @${u.username}`)));
  box.hidden = false;
}

function chooseMention(i) {
  const input = $("composer-input");
  const u = mention.items[i];
  const after = input.value.slice(input.selectionStart);
  const head = input.value.slice(0, mention.start) + `@${u.username} `;
  input.value = head + after;
  input.selectionStart = input.selectionEnd = head.length;
  $("mention-box").hidden = true;
  mention.items = [];
  input.focus();
}

function onComposerKey(event) {
  const box = $("mention-box");
  if (!box.hidden && mention.items.length) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const n = mention.items.length;
      mention.index = (mention.index + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      [...box.children].forEach((c, i) => c.classList.toggle("sel", i === mention.index));
      return;
    }
    if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      chooseMention(mention.index);
      return;
    }
    if (event.key === "Escape") { box.hidden = true; return; }
  }
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
}

// -- language ---------------------------------------------------------------------------
function applyLanguage() {
  document.documentElement.lang = S.lang === "zh" ? "zh-CN" : "en";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  $("lang").textContent = S.lang === "zh" ? "EN" : "中";
  if (S.online !== undefined) $("conn").textContent = t(S.online ? "online" : "offline");
}

// -- live updates: long-poll the version counter, then refresh --------------------------
async function refresh() {
  S.world = await api("GET", "state");
  if (S.me === null || !S.world.users.some((u) => u.id === S.me)) {
    const fromUrl = Number(new URLSearchParams(location.search).get("as"));
    const saved = Number(localStorage.getItem("sandbox.me"));
    const pick = [fromUrl, saved].find((id) => S.world.users.some((u) => u.id === id));
    // First visit: act as a resident of building 3, the person the demo starts with.
    const resident3 = S.world.users.find((u) => /^3号楼住户/.test(u.role || ""));
    const first = resident3 || S.world.users[0];
    S.me = pick || (first ? first.id : null);
  }
  renderPersonas();
  if (S.chatId !== null) await loadMessages();
  renderChatList();
  renderHeader();
}

async function liveLoop() {
  for (;;) {
    try {
      const answer = await api("GET", `version?since=${S.version}&timeout=25`);
      S.online = true;
      $("conn").textContent = t("online");
      if (answer.version !== S.version) {
        S.version = answer.version;
        await refresh();
        // Under load (benchmarks) changes come in bursts: refresh at most ~4 times a second.
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } catch (error) {
      S.online = false;
      $("conn").textContent = t("offline");
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

function bind() {
  $("persona").addEventListener("change", async (event) => {
    S.me = Number(event.target.value);
    localStorage.setItem("sandbox.me", String(S.me));
    const saved = Number(localStorage.getItem(`sandbox.chat.${S.me}`));
    const chats = myChats();
    S.chatId = (chats.find((c) => c.id === saved) || chats.find((c) => c.type !== "private") ||
      chats[0] || { id: null }).id;
    cancelReply();
    $("mention-box").hidden = true;
    renderPersonas();
    await loadMessages();
    renderChatList();
    renderHeader();
  });
  $("chat-filter").addEventListener("input", renderChatList);
  $("send-btn").addEventListener("click", send);
  $("composer-input").addEventListener("keydown", onComposerKey);
  $("composer-input").addEventListener("input", updateMention);
  $("photo-input").addEventListener("change", (event) => { sendPhoto(event.target.files[0]); event.target.value = ""; });
  $("reply-cancel").addEventListener("click", cancelReply);
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  $("members-btn").addEventListener("click", () => { $("members-panel").hidden = !$("members-panel").hidden; renderHeader(); });
  $("lang").addEventListener("click", () => {
    S.lang = S.lang === "zh" ? "en" : "zh";
    localStorage.setItem("sandbox.lang", S.lang);
    applyLanguage();
    refresh();
  });
}

async function main() {
  bind();
  applyLanguage();
  try {
    await refresh();
    const fromUrl = Number(new URLSearchParams(location.search).get("chat"));
    const saved = Number(localStorage.getItem(`sandbox.chat.${S.me}`));
    const chats = myChats();
    const first = chats.find((c) => c.id === fromUrl) || chats.find((c) => c.id === saved) || chats.find((c) => c.type !== "private") || chats[0];
    if (first) await openChat(first.id);
    S.version = S.world.version;
    $("conn").textContent = t("online");
  } catch (error) {
    $("conn").textContent = t("offline");
  }
  liveLoop();
}

main();
