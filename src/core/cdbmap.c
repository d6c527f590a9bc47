/*
 * cdbmap.c - tinycdb wrapper with per-lookup handle copies (see cdbmap.h).
 */
#include "cdbmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
cdbmap_open_fd(struct cdbmap *m, int fd, const char *name, char *err,
	       size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (cdb_init(&m->cdb, fd) != 0) {
		snprintf(err, errlen, "%s: not a valid cdb file: %s", name,
			 strerror(errno ? errno : EPROTO));
		close(fd);
		return -1;
	}
	m->fd = fd;
	m->open = 1;
	return 1;
}

int
cdbmap_open(struct cdbmap *m, const char *path, char *err, size_t errlen)
{
	int fd;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	return cdbmap_open_fd(m, fd, path, err, errlen);
}

void
cdbmap_start(const struct cdbmap *m, struct cdbmap_probe *p, const void *key,
	     unsigned klen)
{
	if (!m->open) {
		p->state = 0;
		return;
	}
	p->c = m->cdb;
	p->state = cdb_findinit(&p->f, &p->c, key, klen);
	if (p->state > 0)	/* cdb_htp: the key's first hash slot */
		__builtin_prefetch(p->f.cdb_htp);
}

int
cdbmap_finish(struct cdbmap_probe *p)
{
	int r;

	if (p->state <= 0)
		return p->state < 0 ? -1 : 0;
	r = cdb_findnext(&p->f);
	return r < 0 ? -1 : r > 0;
}

int
cdbmap_find(const struct cdbmap *m, const void *key, unsigned klen,
	    const char **data, unsigned *dlen)
{
	struct cdbmap_probe p;
	int r;

	cdbmap_start(m, &p, key, klen);
	if ((r = cdbmap_finish(&p)) <= 0)
		return r;
	if (data) {	/* the result lives in the probe's handle copy */
		*data = cdb_get(&p.c, cdb_datalen(&p.c), cdb_datapos(&p.c));
		if (*data == NULL)
			return -1;
	}
	if (dlen)
		*dlen = cdb_datalen(&p.c);
	return 1;
}

void
cdbmap_close(struct cdbmap *m)
{
	if (m->open) {
		cdb_free(&m->cdb);
		close(m->fd);
	}
	memset(m, 0, sizeof(*m));
}
