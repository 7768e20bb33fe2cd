;;; e2e.el --- batch Emacs + eglot end-to-end test of `toolcheck lsp'  -*- lexical-binding: t; -*-

;; Run (run.sh does this):
;;   TOOLCHECK=/path/to/toolcheck TOOLCHECK_EL=editors/emacs/toolcheck.el \
;;   TARGET=<ws>/toolchains/BUILD.bazel SPEC=<case.json> OUT=result.json \
;;   timeout 180 emacs --batch -Q -l e2e.el
;; SPEC is the fixture's case.json (see editors/e2e/README.md); the test checks the top-level
;; case (diagnostic, hover, fix), `hazard' (diagnostic in MODULE.bazel, type hover) and
;; `nested' (the eglot project of a nested module is that module; its hover); then it writes
;; a workspace beside TARGET's (rc-ws/) whose .bazelrc names a missing label, and checks the
;; finding there; with BROKEN_TARGET (a file in a copy of the fixture whose toolcheck.toml
;; has a syntax error), `broken_config' too.
;; Exit status: 0 = all assertions held; 1 = an assertion failed; 2 = error or timeout.
;;
;; Batch Emacs has no command loop: `eglot-ensure' (called from the mode hook by
;; toolcheck.el) waits for `post-command-hook', which the test runs by hand after opening a
;; file, and the idle timer that sends didChange is replaced by a direct call.

;;; Code:

(require 'package)
(require 'json)
(require 'cl-lib)
(require 'subr-x)

(defun e2e-env (k &optional d)
  (let ((v (getenv k))) (if (or (null v) (string= v "")) d v)))

;; Emacs state out of ~ (package.el, eglot's events, etc.).
(setq user-emacs-directory (file-name-as-directory
                            (or (e2e-env "EMACS_STATE") (make-temp-file "toolcheck-e2e-" t)))
      package-user-dir (expand-file-name "elpa" user-emacs-directory))
;; Debian's elpa-* packages (elpa-eglot on Emacs 28); Emacs 29+ has eglot built in.
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)

;; The client under test, loaded before eglot as from an init file: toolcheck.el registers
;; its server when eglot loads.
(defvar e2e-eglot-loaded-before (featurep 'eglot))
(load (expand-file-name (e2e-env "TOOLCHECK_EL" "toolcheck.el")) nil t)
(require 'eglot)
(require 'flymake)

(defvar e2e-spec (let ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol))
                   (json-read-file (e2e-env "SPEC" "case.json"))))
(defvar e2e-target (expand-file-name (e2e-env "TARGET")))
(defvar e2e-broken-target (let ((b (e2e-env "BROKEN_TARGET"))) (and b (expand-file-name b))))
(defvar e2e-out (e2e-env "OUT" "result.json"))
(defvar e2e-wait (string-to-number (e2e-env "WAIT_S" "20")))
(defvar e2e-t0 (float-time))
(defvar e2e-steps nil)
(defvar e2e-result nil)
(defvar e2e-published nil "Every publishDiagnostics eglot received: (URI . COUNT), newest first.")
(defvar e2e-finished nil)

(defun e2e-get (obj &rest keys)
  (dolist (k keys obj) (setq obj (alist-get k obj))))

(defun e2e-log (fmt &rest args)
  (princ (format "[emacs-e2e %.2fs] %s\n" (- (float-time) e2e-t0) (apply #'format fmt args))
         #'external-debugging-output))

(defun e2e-put (key value)
  (setf (alist-get key e2e-result) value))

(defun e2e-step (name &optional value)
  (push (list (cons 'name name) (cons 't (- (float-time) e2e-t0)) (cons 'value value)) e2e-steps)
  (e2e-log "%s%s" name (if value (format ": %S" value) "")))

(defun e2e-server-buffers-tail ()
  "Log the tail of eglot's events and stderr buffers, to explain a failure."
  (dolist (b (buffer-list))
    (when (string-match-p "EGLOT\\|stderr" (buffer-name b))
      (e2e-log "%s:\n%s" (buffer-name b)
               (with-current-buffer b
                 (buffer-substring-no-properties (max (point-min) (- (point-max) 4000)) (point-max)))))))

(defun e2e-stderr-text ()
  "What the servers wrote to stderr (eglot keeps it in a buffer per server)."
  (mapconcat (lambda (b) (with-current-buffer b (buffer-substring-no-properties (point-min) (point-max))))
             (cl-remove-if-not (lambda (b) (string-match-p "stderr" (buffer-name b))) (buffer-list))
             ""))

(defun e2e-finish (code why)
  (unless e2e-finished
    (setq e2e-finished t)
    (when (/= code 0) (e2e-server-buffers-tail))
    (let ((stderr (e2e-stderr-text)))
      (e2e-put 'server_stderr stderr)
      (when (and (= code 0) (not (string-empty-p stderr)))
        (setq code 1 why (format "server wrote to stderr: %s" stderr))))
    (dolist (s (ignore-errors (hash-table-values eglot--servers-by-project)))
      (dolist (server s)
        (ignore-errors (let ((eglot-autoshutdown nil)) (eglot-shutdown server nil 5)))))
    (e2e-put 'status (if (= code 0) "ok" "fail"))
    (e2e-put 'reason why)
    (e2e-put 'seconds (- (float-time) e2e-t0))
    (e2e-put 'steps (vconcat (reverse e2e-steps)))
    (with-temp-file e2e-out (insert (json-encode e2e-result)))
    (e2e-log "finish %d %s" code (or why ""))
    (kill-emacs code)))

(defun e2e-fail (why) (e2e-finish 1 why))

(defmacro e2e-wait-until (secs &rest cond)
  "Wait at most SECS seconds for COND, processing server output; its value or nil."
  (declare (indent 1))
  `(let ((deadline (+ (float-time) ,secs)) ok)
     (while (and (not (setq ok (progn ,@cond))) (< (float-time) deadline))
       (accept-process-output nil 0.05))
     ok))

(defun e2e-plain (s)
  "S as rendered: no Markdown code or emphasis marks, table cells as words."
  (replace-regexp-in-string
   "[ \t\n]+" " " (replace-regexp-in-string "|" " " (replace-regexp-in-string "[`*]" "" (or s "")))))

;; Record what eglot receives, before flymake's plumbing.
(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql textDocument/publishDiagnostics)) &key uri diagnostics &allow-other-keys)
  (push (cons uri (length diagnostics)) e2e-published))

(defvar e2e-messages nil "Every window/showMessage text, newest first.")
(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql window/showMessage)) &key message &allow-other-keys)
  (push message e2e-messages))

;; Record the languageId of every didOpen eglot sends.
(defvar e2e-language-ids nil "(URI . languageId) of every didOpen, newest first.")
(advice-add 'jsonrpc-notify :before
            (lambda (_conn method params)
              (when (eq method :textDocument/didOpen)
                (let ((doc (plist-get params :textDocument)))
                  (push (cons (plist-get doc :uri) (plist-get doc :languageId)) e2e-language-ids)))))

(defun e2e-language-id (file)
  (cdr (assoc (eglot--path-to-uri file) e2e-language-ids)))

(run-at-time (* 4 e2e-wait) nil (lambda () (e2e-finish 2 "watchdog timeout")))

(setq toolcheck-program (e2e-env "TOOLCHECK" "toolcheck"))
;; eglot 1.9 implements a numeric `eglot-sync-connect' as a single accept-process-output,
;; which may return before the initialize reply: connect asynchronously and poll instead.
(setq eglot-sync-connect nil
      eglot-connect-timeout e2e-wait
      eglot-autoshutdown nil)

(defun e2e-open (file)
  "Visit FILE as a user would, and wait until eglot manages it.  Returns its buffer."
  (find-file file)
  ;; `eglot-ensure' (from toolcheck.el's mode hook) connects on the next command.
  (run-hooks 'post-command-hook)
  (unless (e2e-wait-until e2e-wait (and (bound-and-true-p eglot--managed-mode) (eglot-current-server)))
    (e2e-finish 2 (format "eglot does not manage %s (mode %s)" file major-mode)))
  (flymake-start)
  (current-buffer))

(defun e2e-goto (line col)
  "Point to 0-based LINE and character COL."
  (goto-char (point-min))
  (forward-line line)
  (forward-char col))

(defun e2e-diagnostics (code)
  "Flymake's diagnostics in this buffer whose LSP code is CODE, as alists."
  (cl-loop for d in (flymake-diagnostics)
           for lsp = (alist-get 'eglot-lsp-diag (flymake-diagnostic-data d))
           when (equal (plist-get lsp :code) code)
           collect (save-excursion
                     (goto-char (flymake-diagnostic-beg d))
                     (list (cons 'line (1- (line-number-at-pos)))
                           (cons 'col (current-column))
                           (cons 'type (symbol-name (flymake-diagnostic-type d)))
                           (cons 'text (flymake-diagnostic-text d))
                           (cons 'source (plist-get lsp :source))
                           (cons 'code (plist-get lsp :code))))))

(defun e2e-hover ()
  "The hover at point as eldoc shows it (eglot's own rendering), or nil."
  (let (done text)
    (eglot-hover-eldoc-function (lambda (info &rest _) (setq done t text info)))
    (e2e-wait-until e2e-wait done)
    (and text (substring-no-properties text))))

(defun e2e-hover-until (line col expect)
  "Hover at LINE, COL until the text has every string of EXPECT (indexing may still run).
Returns (TEXT . MISSING)."
  (let (text missing)
    (e2e-wait-until e2e-wait
      (e2e-goto line col)
      (setq text (e2e-hover)
            missing (cl-find-if-not (lambda (w) (string-search w (e2e-plain text))) expect))
      (or (null missing) (progn (accept-process-output nil 0.2) nil)))
    (cons text missing)))

(defun e2e-send-changes ()
  "Send the pending didChange now (eglot sends it from an idle timer, which batch lacks)."
  (eglot--signal-textDocument/didChange))

(condition-case err
    (let* ((root (file-name-directory
                  (substring e2e-target 0 (- (length e2e-target) (length (alist-get 'file e2e-spec))))))
           (code (alist-get 'code e2e-spec)))
      (e2e-put 'emacs emacs-version)
      (when e2e-eglot-loaded-before (e2e-finish 2 "eglot was loaded before toolcheck.el"))
      (e2e-put 'eglot (or (ignore-errors (package-desc-version (cadr (assq 'eglot package-alist))))
                          "built-in"))
      ;; A missing server kills batch Emacs with SIGPIPE and no message: check first.
      (unless (executable-find toolcheck-program)
        (e2e-finish 2 (format "server not found: %s" toolcheck-program)))

      ;; 1. The file opens in toolcheck.el's mode; eglot starts for it, rooted at the workspace.
      (e2e-open e2e-target)
      (e2e-put 'major_mode (symbol-name major-mode))
      (e2e-step "major mode" (symbol-name major-mode))
      (unless (eq major-mode 'toolcheck-bazel-mode) (e2e-fail (format "major mode is %s" major-mode)))
      (let ((proj-root (file-name-as-directory
                        (expand-file-name (project-root (eglot--project (eglot-current-server)))))))
        (e2e-put 'root proj-root)
        (e2e-step "eglot project root" proj-root)
        (unless (string= proj-root root) (e2e-fail (format "eglot rooted at %s, expected %s" proj-root root))))
      (e2e-put 'language_id (e2e-language-id e2e-target))
      (unless (equal (e2e-language-id e2e-target) "starlark")
        (e2e-fail (format "didOpen's languageId is %s" (e2e-language-id e2e-target))))

      ;; 2. publishDiagnostics arrives; flymake shows the finding on the right line, with the
      ;;    check name as its code and toolcheck as its source.
      (unless (e2e-wait-until e2e-wait (e2e-diagnostics code))
        (e2e-put 'published (length e2e-published))
        (e2e-put 'flymake (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))
        (e2e-fail (format "no %s diagnostic within %s s" code e2e-wait)))
      (let ((d (car (e2e-diagnostics code))))
        (e2e-put 'diagnostic d)
        (e2e-step "diagnostic" d)
        (unless (cl-find-if (lambda (p) (string= (car p) (eglot--path-to-uri e2e-target))) e2e-published)
          (e2e-fail "the diagnostic did not come from a publishDiagnostics for the file"))
        (unless (= (alist-get 'line d) (alist-get 'line e2e-spec))
          (e2e-fail (format "diagnostic on line %s, expected %s" (alist-get 'line d) (alist-get 'line e2e-spec))))
        (unless (= (alist-get 'col d) (alist-get 'col e2e-spec))
          (e2e-fail (format "diagnostic at column %s, expected %s" (alist-get 'col d) (alist-get 'col e2e-spec))))
        (unless (string-search (alist-get 'message e2e-spec) (alist-get 'text d))
          (e2e-fail (format "diagnostic message lacks %s" (alist-get 'message e2e-spec))))
        (unless (equal (alist-get 'source d) "toolcheck")
          (e2e-fail (format "diagnostic source is %s" (alist-get 'source d)))))

      ;; 3. Hover on the toolchain type, rendered as eldoc shows it.
      (let ((hover (car (e2e-hover-until (e2e-get e2e-spec 'hover 'line) (e2e-get e2e-spec 'hover 'col)
                                         (list (e2e-get e2e-spec 'hover 'expect))))))
        (e2e-put 'hover hover)
        (e2e-step "hover" hover)
        (unless (and hover (string-search (e2e-get e2e-spec 'hover 'expect) hover))
          (e2e-fail (format "hover does not contain %s" (e2e-get e2e-spec 'hover 'expect)))))

      ;; 4. Typing the fix clears the finding; undoing it brings it back.
      (let ((fix (alist-get 'fix e2e-spec)))
        (e2e-goto (alist-get 'line fix) (alist-get 'col fix))
        (insert (alist-get 'text fix))
        (e2e-send-changes)
        (e2e-put 'cleared_after_fix (and (e2e-wait-until e2e-wait (null (e2e-diagnostics code))) t))
        (e2e-step "cleared after fix" (alist-get 'cleared_after_fix e2e-result))
        (unless (alist-get 'cleared_after_fix e2e-result) (e2e-fail "diagnostic not cleared after the fix"))
        (delete-region (- (point) (length (alist-get 'text fix))) (point))
        (e2e-send-changes)
        (e2e-put 'back_after_undo (and (e2e-wait-until e2e-wait (e2e-diagnostics code)) t))
        (e2e-step "back after undo" (alist-get 'back_after_undo e2e-result))
        (unless (alist-get 'back_after_undo e2e-result) (e2e-fail "diagnostic did not come back"))
        (set-buffer-modified-p nil))

      ;; 5. The dummy-toolchain hazard: the finding in MODULE.bazel and the type's hover.
      (let ((hz (alist-get 'hazard e2e-spec)))
        (when hz
          (e2e-open (concat root (alist-get 'file hz)))
          (unless (e2e-wait-until e2e-wait (e2e-diagnostics (alist-get 'code hz)))
            (e2e-fail (format "no %s diagnostic in %s" (alist-get 'code hz) (alist-get 'file hz))))
          (let ((d (car (e2e-diagnostics (alist-get 'code hz)))))
            (e2e-put 'hazard d)
            (e2e-step "hazard diagnostic" d)
            (unless (and (= (alist-get 'line d) (alist-get 'line hz)) (= (alist-get 'col d) (alist-get 'col hz)))
              (e2e-fail (format "hazard at %s:%s, expected %s:%s" (alist-get 'line d) (alist-get 'col d)
                                (alist-get 'line hz) (alist-get 'col hz))))
            (unless (string-search (alist-get 'message hz) (alist-get 'text d))
              (e2e-fail (format "hazard message lacks %s" (alist-get 'message hz)))))
          (e2e-open (concat root (e2e-get hz 'hover 'file)))
          (pcase-let ((`(,text . ,missing) (e2e-hover-until (e2e-get hz 'hover 'line) (e2e-get hz 'hover 'col)
                                                             (e2e-get hz 'hover 'expect))))
            (e2e-put 'hazard_hover text)
            (e2e-step "hazard hover" (length text))
            (when missing (e2e-fail (format "hazard hover lacks %s" missing))))))

      ;; 6. A nested module (its own MODULE.bazel): its own eglot project, its own hover.
      (let ((nested (alist-get 'nested e2e-spec)))
        (when nested
          (let ((file (concat root (alist-get 'file nested))))
            (e2e-open file)
            (let ((proj-root (file-name-as-directory
                              (expand-file-name (project-root (eglot--project (eglot-current-server))))))
                  (want (file-name-directory file)))
              (e2e-put 'nested_root proj-root)
              (e2e-step "nested eglot project root" proj-root)
              (unless (string= proj-root want)
                (e2e-fail (format "nested module rooted at %s, expected %s" proj-root want))))
            (pcase-let ((`(,text . ,missing) (e2e-hover-until (e2e-get nested 'hover 'line) (e2e-get nested 'hover 'col)
                                                               (e2e-get nested 'hover 'expect))))
              (e2e-put 'nested_hover text)
              (e2e-step "nested hover" text)
              (when missing (e2e-fail (format "nested hover lacks %s" missing)))))))

      ;; 7. An rc file, in a workspace of its own beside the fixture's copy (its flag would
      ;;    change the fixture's resolution): toolcheck.el's rc mode, a server rooted there,
      ;;    a finding on the label the flag names.
      (let* ((rc-root (file-name-as-directory
                       (expand-file-name "rc-ws" (file-name-directory (directory-file-name root)))))
             (rc (concat rc-root ".bazelrc")))
        (make-directory rc-root t)
        (with-temp-file (concat rc-root "MODULE.bazel") (insert "module(name = \"rc_ws\")\n"))
        (with-temp-file rc
          (insert "# written by the Emacs end-to-end test\n"
                  "build --extra_toolchains=//nope:missing_toolchain\n"))
        (e2e-open rc)
        (e2e-put 'bazelrc_mode (symbol-name major-mode))
        (e2e-step "bazelrc mode" (symbol-name major-mode))
        (unless (eq major-mode 'toolcheck-bazelrc-mode) (e2e-fail (format ".bazelrc mode is %s" major-mode)))
        (e2e-put 'bazelrc_language_id (e2e-language-id rc))
        (unless (equal (e2e-language-id rc) "bazelrc")
          (e2e-fail (format ".bazelrc's didOpen languageId is %s" (e2e-language-id rc))))
        (let ((proj-root (file-name-as-directory
                          (expand-file-name (project-root (eglot--project (eglot-current-server)))))))
          (unless (string= proj-root rc-root)
            (e2e-fail (format ".bazelrc's server rooted at %s, expected %s" proj-root rc-root))))
        (unless (e2e-wait-until e2e-wait (e2e-diagnostics code))
          (e2e-fail (format "no %s diagnostic in .bazelrc" code)))
        (let ((d (car (e2e-diagnostics code))))
          (e2e-put 'bazelrc_diagnostic d)
          (e2e-step "bazelrc diagnostic" d)
          (unless (and (= (alist-get 'line d) 1) (string-search "//nope:missing_toolchain" (alist-get 'text d)))
            (e2e-fail (format ".bazelrc diagnostic is %S" d)))))

      ;; 8. A toolcheck.toml with a syntax error (BROKEN_TARGET's workspace): the server's
      ;;    message, its diagnostic on toolcheck.toml (not visited: eglot keeps it for
      ;;    `flymake-show-project-diagnostics'), the real workspace behind hover, no findings.
      (let ((bc (alist-get 'broken_config e2e-spec)))
        (when (and bc e2e-broken-target)
          (let* ((broot (substring e2e-broken-target 0 (- (length e2e-broken-target)
                                                         (length (alist-get 'file bc)))))
                 (toml (concat broot "toolcheck.toml"))
                 (want (alist-get 'message bc)))
            (e2e-open e2e-broken-target)
            (unless (e2e-wait-until e2e-wait (cl-find-if (lambda (m) (string-search want m)) e2e-messages))
              (e2e-fail (format "no window/showMessage containing %s: %S" want e2e-messages)))
            (e2e-put 'broken_message (cl-find-if (lambda (m) (string-search want m)) e2e-messages))
            (e2e-step "broken config message" (alist-get 'broken_message e2e-result))
            (let ((d (e2e-wait-until e2e-wait
                       (car (alist-get (expand-file-name toml) flymake-list-only-diagnostics nil nil #'string=)))))
              (unless d (e2e-fail "no diagnostic on toolcheck.toml"))
              (let ((line (1- (car (flymake-diagnostic-beg d)))) (text (flymake-diagnostic-text d)))
                (e2e-put 'broken_diagnostic (list (cons 'line line) (cons 'text text)))
                (e2e-step "toolcheck.toml diagnostic" (alist-get 'broken_diagnostic e2e-result))
                (unless (and (= line (alist-get 'line bc)) (string-search (alist-get 'problem bc) text))
                  (e2e-fail (format "toolcheck.toml diagnostic is %S" (alist-get 'broken_diagnostic e2e-result))))))
            (pcase-let ((`(,text . ,missing) (e2e-hover-until (e2e-get bc 'hover 'line) (e2e-get bc 'hover 'col)
                                                               (e2e-get bc 'hover 'expect))))
              (e2e-put 'broken_hover text)
              (e2e-step "hover with the broken config" (length text))
              (when missing (e2e-fail (format "hover with the broken config lacks %s" missing))))
            ;; No findings: none now, and none arriving a moment later.
            (e2e-wait-until 1.5 nil)
            (e2e-put 'broken_file_diagnostics (length (flymake-diagnostics)))
            (e2e-step (format "findings in %s" (alist-get 'file bc)) (length (flymake-diagnostics)))
            (when (flymake-diagnostics)
              (e2e-fail (format "findings despite the broken toolcheck.toml: %S"
                                (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))))
            ;; ... nor in any publishDiagnostics for the file.
            (let ((counts (mapcar #'cdr (cl-remove-if-not
                                         (lambda (p) (string= (car p) (eglot--path-to-uri e2e-broken-target)))
                                         e2e-published))))
              (e2e-put 'broken_file_published counts)
              (when (cl-some #'cl-plusp counts)
                (e2e-fail (format "findings published despite the broken toolcheck.toml: %S" counts)))))))

      (e2e-finish 0 nil))
  (error (e2e-finish 2 (format "error: %S" err))))

;;; e2e.el ends here
