#ifndef OUBLIETTE_CSPAWN_H
#define OUBLIETTE_CSPAWN_H

#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np, which glibc declares only under _GNU_SOURCE (and
/// Swift's Glibc module does not define it).
int cspawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
