/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * privs.c - users, groups and dropping root (see privs.h).
 */
#include "config.h"
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
privs_id(const char *key, const char *name, int group, unsigned *id,
	 char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	if (name[0] == '\0')
		return 0;
	if (group && (gr = getgrnam(name)) != NULL)
		*id = gr->gr_gid;
	else if (!group && (pw = getpwnam(name)) != NULL)
		*id = pw->pw_uid;
	else {
		snprintf(err, errlen, "%s %s: no such %s", key, name,
			 group ? "group" : "user");
		return -1;
	}
	return 0;
}

int
privs_check(const struct settings *s, char *err, size_t errlen)
{
	unsigned id;

	return privs_id("user", s->user, 0, &id, err, errlen) ||
	       privs_id("group", s->group, 1, &id, err, errlen) ||
	       privs_id("socket_owner", s->socket_owner, 0, &id, err, errlen) ||
	       privs_id("socket_group", s->socket_group, 1, &id, err, errlen)
	       ? -1 : 0;
}

int
privs_drop(const struct settings *s, char *err, size_t errlen)
{
	struct passwd *pw;
	unsigned gid;

	if (s->user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(s->user)) == NULL) {
		snprintf(err, errlen, "user %s: no such user", s->user);
		return -1;
	}
	gid = pw->pw_gid;
	if (privs_id("group", s->group, 1, &gid, err, errlen) != 0)
		return -1;
	if (setgid(gid) != 0 || initgroups(pw->pw_name, gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot become %s: %s", s->user,
			 strerror(errno));
		return -1;
	}
	return 0;
}
