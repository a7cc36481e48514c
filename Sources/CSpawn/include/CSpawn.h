#ifndef OUBLIETTE_CSPAWN_H
#define OUBLIETTE_CSPAWN_H

#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np, which glibc declares only under _GNU_SOURCE (and
/// Swift's Glibc module does not define it).
int cspawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// Closes every descriptor from `lowest` up in the child (posix_spawn_file_actions_addclosefrom_np
/// on glibc 2.34+); returns -1 where the C library has no such action.
int cspawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

/// pipe2(fds, O_CLOEXEC) where it exists, else pipe + FD_CLOEXEC (not atomic there).
int cspawn_pipe_cloexec(int fds[2]);

#endif
