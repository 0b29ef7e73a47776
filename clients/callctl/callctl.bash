# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for callctl(1): commands, options, and the calls and
# providers of the running callkitd.

__callctl_calls() {
        callctl list --no-legend 2>/dev/null | while read -r uuid _; do
                printf '%s\n' "$uuid"
        done
}

__callctl_providers() {
        callctl providers --no-legend 2>/dev/null | while read -r path _; do
                printf '%s\n' "${path##*/}"
        done
}

_callctl() {
        local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
        local verbs='status list show monitor providers answer end hold unhold mute unmute dtmf start reset silence history call-back block unblock blocked lookup help'
        local options='--json= -j --no-legend --handle-type= --video --no-wait --hold-active --end-active
                       --property= --value --missed --since= --verbose --version --help'
        local properties='UUID Provider RemoteHandle LocalizedCallerName IsOutgoing IsOnHold IsMuted
                          HasConnected HasEnded HasVideo State Group SupportsHolding SupportsGrouping
                          SupportsUngrouping SupportsDTMF ConnectedAt EndedAt EndedReason'
        local i word verb='' n_args=0

        COMPREPLY=()

        # "--json=pr" reaches us as "--json" "=" "pr" (COMP_WORDBREAKS).
        if [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
                prev=${COMP_WORDS[COMP_CWORD-2]}
        elif [[ $cur == = ]]; then
                cur=''
        fi
        case $prev in
        --json)
                mapfile -t COMPREPLY < <(compgen -W 'pretty short off' -- "$cur")
                return
                ;;
        --handle-type)
                mapfile -t COMPREPLY < <(compgen -W 'phone-number email-address generic' -- "$cur")
                return
                ;;
        -p | --property)
                mapfile -t COMPREPLY < <(compgen -W "$properties" -- "$cur")
                return
                ;;
        esac

        if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
                [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
                return
        fi

        # The command, and how many of its arguments come before this word.
        for ((i = 1; i < COMP_CWORD; i++)); do
                word=${COMP_WORDS[i]}
                case $word in
                --handle-type | -p | --property)
                        ((i++))
                        continue
                        ;;
                -* | =)
                        continue
                        ;;
                esac
                [[ ${COMP_WORDS[i-1]} == = ]] && continue
                if [[ -z $verb ]]; then
                        verb=$word
                else
                        ((n_args++))
                fi
        done

        if [[ -z $verb ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur")
                return
        fi
        if [[ $verb == history ]] && ((n_args == 0)); then
                mapfile -t COMPREPLY < <(compgen -W 'clear seen delete' -- "$cur")
                return
        fi
        if [[ $verb == unblock ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(callctl blocked 2>/dev/null)" -- "$cur")
                return
        fi
        ((n_args == 0)) || return
        case $verb in
        show | answer | end | hold | unhold | mute | unmute | dtmf)
                mapfile -t COMPREPLY < <(compgen -W "$(__callctl_calls)" -- "$cur")
                ;;
        start | reset)
                mapfile -t COMPREPLY < <(compgen -W "$(__callctl_providers)" -- "$cur")
                ;;
        esac
}

complete -F _callctl callctl
