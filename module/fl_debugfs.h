/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fl_debugfs.h - /sys/kernel/debug/fraglab/ and the device-wide files in it
 * (fl_debugfs.c); each subsystem adds its own files from its ->init.
 */
#ifndef FL_DEBUGFS_H
#define FL_DEBUGFS_H

struct dentry;

struct dentry *fl_debugfs_init(void);
void fl_debugfs_add_files(void);
void fl_debugfs_remove_files(void);
void fl_debugfs_exit(void);

#endif /* FL_DEBUGFS_H */
