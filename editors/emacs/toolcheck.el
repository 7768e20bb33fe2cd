;;; toolcheck.el --- Bazel files with the toolcheck language server through eglot  -*- lexical-binding: t; -*-

;; Works with Emacs 28 and eglot 1.9 (Debian's `elpa-eglot') and with Emacs 29+, whose
;; eglot is built in.

;;; Commentary:

;; Load this file, e.g. in your init file:
;;
;;   (load "/path/to/toolcheck/editors/emacs/toolcheck.el")
;;
;; It does three things:
;;
;; * `toolcheck-bazel-mode', a small major mode for Bazel's Starlark files (BUILD,
;;   BUILD.bazel, *.bzl, MODULE.bazel and the *.MODULE.bazel files it includes,
;;   REPO.bazel, WORKSPACE, WORKSPACE.bazel, WORKSPACE.bzlmod, *.star), derived from
;;   `python-mode' for indentation and highlighting, and `toolcheck-bazelrc-mode' for
;;   .bazelrc and *.bazelrc files, derived from `conf-space-mode'.  Debian 12 has no
;;   packaged Bazel mode.  Set `toolcheck-auto-mode' to nil before loading when another
;;   package (such as the `bazel' package: MELPA, Debian 13's `elpa-bazel-mode') already
;;   gives these files a mode: eglot is registered for that package's modes too.
;; * An `eglot-server-programs' entry that runs `toolcheck lsp' (see `toolcheck-program')
;;   for those modes, with the LSP languageId "starlark" (and "bazelrc" for rc files; eglot
;;   1.9 sends one languageId per server, that of the file that started it: the server
;;   accepts any).
;; * The project root eglot uses for a Bazel file is its Bazel workspace: the nearest
;;   directory at or above it with MODULE.bazel, REPO.bazel, WORKSPACE.bazel or WORKSPACE,
;;   the rule `bazel' and the server follow (a nested module gets a server of its own).
;;   This applies only when eglot asks (`eglot-lsp-context'); other `project.el' commands
;;   are unchanged.
;;
;; With `toolcheck-eglot-ensure' (the default), eglot starts when a Bazel file is opened.
;;
;; The server reads the workspace's rc files itself; in an open .bazelrc it reports the
;; labels the flags name (--extra_toolchains, --platforms, ...).  Saved changes to rc files
;; and toolcheck.toml reload the workspace (eglot reports them through
;; `workspace/didChangeWatchedFiles').

;;; Code:

(require 'python)
(require 'conf-mode)
(require 'project)

(defgroup toolcheck nil
  "Static checks for Bazel toolchains and platforms, through eglot."
  :group 'tools
  :prefix "toolcheck-")

(defcustom toolcheck-program "toolcheck"
  "The toolcheck executable: a name looked up on `exec-path', or a path."
  :type 'string)

(defcustom toolcheck-initialization-options nil
  "Server settings sent as LSP `initializationOptions' (a plist), or nil for none.
For example: (:checks (:disable [\"some-check\"]) :bazelVersion \"7.4.1\")."
  :type 'sexp)

(defcustom toolcheck-auto-mode t
  "Whether Bazel files open in toolcheck.el's major modes.
Set to nil before loading toolcheck.el when another package gives
Bazel files their major modes; eglot is registered for
`toolcheck-other-modes' and `toolcheck-other-bazelrc-modes' too."
  :type 'boolean)

(defcustom toolcheck-other-modes
  '(bazel-mode bazel-build-mode bazel-module-mode bazel-workspace-mode bazel-starlark-mode)
  "Other packages' major modes for Bazel's Starlark files.
They get the toolcheck server too.  The default names the modes
of the `bazel' package (MELPA; `elpa-bazel-mode' in Debian 13);
listing absent modes is harmless."
  :type '(repeat symbol))

(defcustom toolcheck-other-bazelrc-modes '(bazelrc-mode)
  "Other packages' major modes for Bazel rc files that also get the server."
  :type '(repeat symbol))

(defcustom toolcheck-eglot-ensure t
  "Whether to start eglot (`eglot-ensure') when a Bazel file is opened."
  :type 'boolean)

(defconst toolcheck-root-markers '("MODULE.bazel" "REPO.bazel" "WORKSPACE.bazel" "WORKSPACE")
  "Files whose directory is a Bazel workspace root.")

(defconst toolcheck-file-name-regexp
  (concat "/\\(?:BUILD\\(?:\\.bazel\\)?\\|\\(?:[^/]+\\.\\)?MODULE\\.bazel\\|REPO\\.bazel"
          "\\|WORKSPACE\\(?:\\.bazel\\|\\.bzlmod\\)?\\|[^/]+\\.bzl\\|[^/]+\\.star\\)\\'")
  "File names that are Bazel Starlark files.")

(define-derived-mode toolcheck-bazel-mode python-mode "Bazel"
  "Major mode for Bazel's Starlark files: BUILD, *.bzl, MODULE.bazel...
Python's indentation and highlighting, and the toolcheck
language server through eglot.")

(define-derived-mode toolcheck-bazelrc-mode conf-space-mode "Bazelrc"
  "Major mode for Bazel's rc files (.bazelrc, *.bazelrc): `command --flag' lines.
The toolcheck language server through eglot."
  (setq-local comment-start "# "))

(when toolcheck-auto-mode
  (add-to-list 'auto-mode-alist (cons toolcheck-file-name-regexp 'toolcheck-bazel-mode))
  (add-to-list 'auto-mode-alist '("\\.bazelrc\\'" . toolcheck-bazelrc-mode)))

(defun toolcheck-workspace-root (dir)
  "The Bazel workspace directory at or above DIR, or nil."
  (let (best)
    ;; The nearest directory with any marker.
    (dolist (marker toolcheck-root-markers)
      (let ((found (locate-dominating-file dir marker)))
        (when (and found (or (null best) (> (length (expand-file-name found))
                                             (length (expand-file-name best)))))
          (setq best found))))
    (and best (file-name-as-directory (expand-file-name best)))))

(defun toolcheck--bazel-buffer-p ()
  "Non-nil when the current buffer is a Bazel file for the toolcheck server."
  (apply #'derived-mode-p 'toolcheck-bazel-mode 'toolcheck-bazelrc-mode
         (append toolcheck-other-modes toolcheck-other-bazelrc-modes)))

(defvar eglot-lsp-context)
(defvar eglot-server-programs)

(defun toolcheck-project-find (dir)
  "For eglot in a Bazel buffer: the project of DIR is its Bazel workspace.
A member of `project-find-functions'."
  (when (and (bound-and-true-p eglot-lsp-context) (toolcheck--bazel-buffer-p))
    (let ((root (toolcheck-workspace-root dir)))
      (and root (cons 'transient root)))))

(add-hook 'project-find-functions #'toolcheck-project-find)

(defun toolcheck-eglot-contact (&optional _interactive)
  "The command eglot runs for the toolcheck server."
  (append (list toolcheck-program "lsp")
          (and toolcheck-initialization-options
               (list :initializationOptions toolcheck-initialization-options))))

(defun toolcheck--maybe-ensure ()
  "Start eglot for this buffer when `toolcheck-eglot-ensure' is set."
  (when (and toolcheck-eglot-ensure buffer-file-name (fboundp 'eglot-ensure))
    (eglot-ensure)))

(add-hook 'toolcheck-bazel-mode-hook #'toolcheck--maybe-ensure)
(add-hook 'toolcheck-bazelrc-mode-hook #'toolcheck--maybe-ensure)
(dolist (mode (append toolcheck-other-modes toolcheck-other-bazelrc-modes))
  (add-hook (intern (format "%s-hook" mode)) #'toolcheck--maybe-ensure))

(with-eval-after-load 'eglot
  ;; One entry, so that a workspace's BUILD files and rc files share one server.
  (add-to-list 'eglot-server-programs
               (cons (append (mapcar (lambda (mode) (list mode :language-id "starlark"))
                                     (cons 'toolcheck-bazel-mode toolcheck-other-modes))
                             (mapcar (lambda (mode) (list mode :language-id "bazelrc"))
                                     (cons 'toolcheck-bazelrc-mode toolcheck-other-bazelrc-modes)))
                     #'toolcheck-eglot-contact)))

(provide 'toolcheck)
;;; toolcheck.el ends here
