/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper install`'s pieces, shared by its files: install.c (the command line and the install),
 * uninstall.c (--uninstall), install_record.c (what a run did, kept on the node), install_node.c
 * (what both runs use on the node). Everything a run reads and writes on the node is below the
 * host root (a canonical path, "/" on the node), under one lock: install_lock. */
#ifndef REAPER_INSTALL_NODE_H
#define REAPER_INSTALL_NODE_H

#include <stdbool.h>

#include "ctrd_plan.h"
#include "error.h"
#include "names.h"

#define INSTALL_NAME "reaper install"
/* The record, a node path: one per node, whatever the prefix. */
#define INSTALL_RECORD_DIR "/var/lib/reaper"
#define INSTALL_RECORD     INSTALL_RECORD_DIR "/install.json"
#define BACKUP_SUFFIX      ".reaper-backup"
/* The most the installer reads of a file: configs, records, its own binary. */
#define INSTALL_READ_MAX (16 << 20)

extern const char *const install_links[];
#define INSTALL_N_LINKS 3

enum restart_mode { RESTART_NONE, RESTART_SYSTEMD };

struct install_opts {
	const char *host_root; /* canonical */
	const char *prefix;
	const char *config;
	const char *handler;
	const char *node_config; /* --node-config: the settings file to install instead of the default */
	enum restart_mode restart;
	bool dry_run;
	bool uninstall;
	bool force; /* --uninstall while Reaper containers are alive */
};

/* Paths on this machine (host root included) for the prefix given. */
struct install_paths {
	char *bindir;
	char *binary;
	char *links[INSTALL_N_LINKS];
	char *record_dir;
	char *record;
	char *legacy_record; /* where a reaper before the record moved kept it: PREFIX/lib/reaper */
	char *settings;      /* the node's reaper.conf */
};

/* What an install did: enough to undo it and to tell an upgrade. Paths include the host root. */
struct record {
	char *reaper_version; /* "0.1.0 (commit abc)"; NULL for a record of an older format */
	char *handler;
	char *prefix; /* node path */
	char *binary; /* the installed reaper */
	char *links[INSTALL_N_LINKS];
	char *config_root; /* containerd's root config, as --config named it (node path) */
	char *config_path; /* the file holding the entry (the root config or the drop-in) */
	enum ctrd_placement placement;
	int config_version; /* the config version of the block */
	char *text;         /* what was appended or written */
	char *backup;       /* APPEND: the byte-exact copy of the config before */
	char **dirs;        /* directories the install created, parents first */
	char *settings_sha; /* SHA-256 of the reaper.conf the install wrote; NULL: it wrote none */
	bool legacy;        /* read from legacy_record */
};

/* The path as the node sees it: the host root stripped. */
const char *on_host(const struct install_opts *o, const char *path);
/* One line of the plan: "  WHAT PATH: [would ]ACTION". */
void say(const struct install_opts *o, const char *what, const char *path, const char *action);

/* The lock every run holds from its first read to its last write: flock on the host root
 * directory itself (the same inode on the node and in a pod that mounts it), so runs on one node
 * never interleave, and nothing is created for it. Says when it has to wait. */
int install_lock(const struct install_opts *o, bool exclusive, int *fd, struct error **err);

int record_load(const struct install_opts *o, const struct install_paths *p, struct record *r,
		struct error **err); /* 1: read, 0: none */
int record_save(const struct install_opts *o, const struct install_paths *p, const struct record *r,
		struct error **err);
void record_clear(struct record *r);
/* "0.1.0 (commit abc)" of this binary. */
char *record_this_version(void);

int check_systemd(struct error **err);
int restart_containerd(struct error **err);
/* 1: PATH is a symlink to the reaper binary's name, 0: absent, -1 with an error: something else. */
int link_state(const char *path, struct error **err);
bool same_file_bytes(const char *path, const char *data, size_t len);
char *sha_of(const char *data, size_t len);

int do_install(const struct install_opts *o, const struct install_paths *p, struct error **err);
int do_uninstall(const struct install_opts *o, const struct install_paths *p, struct error **err);

#endif
