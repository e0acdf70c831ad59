/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The fixture of the agent's domain-level tests (test-agent-domain*.c): an
 * agent on a fake sysfs tree (mkfakehost + fakekernel) with one net PF of
 * four VFs, libvirt-shaped domain XML from tests/data/domain/, and the
 * Migration callbacks recorded.
 */
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "agent-domain.h"
#include "core/domxml.h"

#define A "aaaaaaaa-0000-4000-8000-000000000001"
#define B "bbbbbbbb-0000-4000-8000-000000000002"
#define C "cccccccc-0000-4000-8000-000000000003"
#define D "dddddddd-0000-4000-8000-000000000004"
#define PF_NET "0000:3b:00.0"
#define VF1 "0000:3b:00.1"
#define VF2 "0000:3b:00.2"
#define VF3 "0000:3b:00.3"
#define VF4 "0000:3b:00.4"
#define REMOTE "0000:d8:00.2"

typedef struct {
        char *dir, *root, *state_dir, *config;
        GPid fakekernel;
        Agent *agent;
        GPtrArray *calls;   /* "<id> <created?> <old> -> <new>" */
} Fixture;

void start_agent(Fixture *f);
int setup(void **state);
int teardown(void **state);
char *data_file(const char *name);
char *hostdev(const char *address, const char *alias, guint guestbus);
char *domain_xml(const char *name, const char *uuid, const char *metadata,
                 const char *const *addresses);
char *remote_metadata(Fixture *f, const char *like, const char *remote);
VfState state_of(Fixture *f, const char *vf);
const Migration *last_migration(Fixture *f);
void claim_and_boot(Fixture *f, const char *name, const char *uuid, const char *vf);
void running_free(gpointer data);
GPtrArray *running_list(void);
void add_running(GPtrArray *list, char *xml /* taken */, DomainRunState state);
char *incoming_xml(Fixture *f);
gboolean has_line(GPtrArray *lines, const char *a, const char *b);
char *prepare(Fixture *f, guint64 *id);
