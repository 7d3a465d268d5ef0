package notify

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/settings"
)

// FromSettings returns the options for the channels people read (the
// EventBridge bus and the SNS topic), with clients that call AWS (signed
// HTTP requests configured from cfg as the SDK's clients would be: see
// NewEventBridge), and whether any is on. Both functions' main packages
// call it so they configure notifications the same way.
//
// Security Hub is not among them: only the audit, which sees every client
// on each sweep and so can also resolve findings, keeps Security Hub in
// step (audit.New adds a hub.Hub). Package hub holds all the Security Hub
// code, so that this package links no Security Hub client and the remediate
// binary stays small (internal/templatetest/deps_test.go checks it).
func FromSettings(cfg aws.Config, s settings.Common, function string) (Options, bool) {
	opt := Options{Bus: s.NotifyEventBus, TopicARN: s.NotifyTopicARN, Account: s.ExpectedAccount, Region: cfg.Region, Function: function}
	if s.NotifyEventBus != "" {
		opt.Events = NewEventBridge(cfg)
	}
	if s.NotifyTopicARN != "" {
		opt.SNS = NewSNS(cfg)
	}
	return opt, opt.Events != nil || opt.SNS != nil
}
