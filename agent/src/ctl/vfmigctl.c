/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfmigctl: command-line client of vfmigd's D-Bus API. Only the program's
 * life is here: parse, connect, run one verb, print, exit with a
 * documented code (see ctl-exit.h and vfmigctl(8)).
 */
#include <locale.h>
#include <stdio.h>

#include "ctl-args.h"
#include "ctl-bus.h"
#include "ctl-exit.h"
#include "ctl-hook-run.h"
#include "ctl-render.h"
#include "ctl-verbs.h"
#include "vfmig-build-config.h"

int main(int argc, char *argv[])
{
        g_autoptr(GError) error = NULL;
        g_autoptr(CtlArgs) args = NULL;
        g_autoptr(GString) out = g_string_new(NULL);
        g_autofree char *line = NULL;
        CtlExit code;

        setlocale(LC_ALL, "");

        args = ctl_args_parse(argc, argv, &error);
        if (!args) {
                fprintf(stderr, "vfmigctl: %s\nTry 'vfmigctl --help' for more information.\n",
                        error->message);
                return CTL_EXIT_USAGE;
        }
        if (args->help) {
                g_autofree char *help = args->verb >= 0 ? ctl_verb_help(args->verb) : ctl_args_help();

                fputs(help, stdout);
                return CTL_EXIT_SUCCESS;
        }
        if (args->version) {
                printf("vfmigctl %s\n", VFMIG_VERSION);
                return CTL_EXIT_SUCCESS;
        }
        /* Hooks speak libvirt's and VDSM's conventions, not ours. */
        if (args->verb == CTL_VERB_HOOK)
                return ctl_hook_run(args);

        code = ctl_verb_run(args, out, &error);
        /* check prints its per-device lines whether compatible or not. */
        fputs(out->str, stdout);
        if (fflush(stdout) != 0) {
                perror("vfmigctl: cannot write output");
                return CTL_EXIT_FAILURE;
        }
        if (!error)
                return code;

        line = ctl_format_error(ctl_verb_to_string(args->verb),
                                args->device ? args->device : args->target ? args->target : args->input,
                                error->message);
        fprintf(stderr, "%s\n", line);
        return error->domain == CTL_ERROR ? error->code : CTL_EXIT_FAILURE;
}
