/* SPDX-License-Identifier: Apache-2.0 */
/* The number of elements of an array (not of a pointer: the compiler refuses that). */
#ifndef REAPER_ARRAY_H
#define REAPER_ARRAY_H

#define ARRAY_LEN(a)                  \
	(sizeof(a) / sizeof((a)[0]) + \
	 0 * sizeof(char[1 - 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))]))

#endif
