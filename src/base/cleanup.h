/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound cleanup (GNU cleanup attribute), after crun's cleanup_free/cleanup_close. */
#ifndef REAPER_CLEANUP_H
#define REAPER_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "strv.h"

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f != NULL)
		fclose(*f);
}

static inline void cleanup_errorp(struct error **e)
{
	err_free(e);
}

static inline void cleanup_strvp(char ***v)
{
	strv_free(*v);
}

#define cleanup_free   __attribute__((cleanup(cleanup_freep)))
#define cleanup_close  __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_error  __attribute__((cleanup(cleanup_errorp)))
#define cleanup_strv   __attribute__((cleanup(cleanup_strvp)))

/* Hand ownership out of a cleanup-scoped variable. */
#define steal_pointer(pp)                     \
	({                                    \
		__typeof__(*(pp)) _p = *(pp); \
		*(pp) = NULL;                 \
		_p;                           \
	})
#define steal_fd(fdp)             \
	({                        \
		int _fd = *(fdp); \
		*(fdp) = -1;      \
		_fd;              \
	})

#endif
