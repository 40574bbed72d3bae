/* SPDX-License-Identifier: Apache-2.0 */
/* The names the one reaper binary answers to, in one place: the applet table, the build's symlink
 * farm (cmake/Applets.cmake reads this file), the installer, doctor, the monitor spawner and the
 * shim's daemon all take them from here. */
#ifndef REAPER_NAMES_H
#define REAPER_NAMES_H

#define REAPER_BINARY_NAME "reaper"

#define APPLET_SHIM_NAME    "containerd-shim-reaper-v2"
#define APPLET_RUNTIME_NAME "reaper-runtime"
#define APPLET_MONITOR_NAME "reaper-monitor"
#define APPLET_PAUSE_NAME   "reaper-pause"

/* The applets installed as symlinks to the binary: what containerd and users run by name. */
/* cmake/Applets.cmake reads the next line as it is. */
/* clang-format off */
#define REAPER_LINKED_NAMES {APPLET_SHIM_NAME, APPLET_RUNTIME_NAME, APPLET_MONITOR_NAME}
/* clang-format on */

#endif
