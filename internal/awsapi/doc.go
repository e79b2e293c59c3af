// Package awsapi is Surveyor's AWS front door: every AWS request passes through Handler, which
// verifies its SigV4 signature, picks the service named by the credential scope (appsync,
// datazone, app-integrations, dms, secretsmanager, sts), and hands the request to that
// service's façade with the caller in the context. It also owns the wire protocols (awsJson1.1
// and restJson1 codecs, errors as clients read them), constraint validation with AWS-style
// messages, and tamper-proof pagination tokens, so façades deal only in typed shapes.
//
// # Plugging in a façade
//
// A façade (internal/awsapi/<service>) builds a Service and the server registers it under the
// service's signing name:
//
//	// awsJson1.1 (DMS, Secrets Manager): operations keyed by name, typed with JSONOp.
//	dms, err := awsapi.NewJSONService(awsapi.JSONProtocol{
//		TargetPrefix:  "AmazonDMSv20160101",
//		MessageMember: "message",
//	}, map[string]awsapi.JSONOperation{
//		"DescribeSchemas": awsapi.JSONOp(f.DescribeSchemas),
//	})
//
//	func (f *Facade) DescribeSchemas(ctx context.Context, in *DescribeSchemasInput) (*DescribeSchemasOutput, error) {
//		caller, _ := awsapi.CallerFrom(ctx) // scope every lookup to caller.AccountID
//		v := awsapi.NewValidator("InvalidParameterValueException", 400)
//		v.Required("EndpointArn", in.EndpointArn != "")
//		if err := v.Err(); err != nil {
//			return nil, err
//		}
//		...
//		return nil, awsapi.Errorf(400, "ResourceNotFoundFault", "Endpoint %s not found", in.EndpointArn)
//	}
//
//	// restJson1 (AppSync, DataZone, AppIntegrations): routes with {label} and {label+}.
//	appsync, err := awsapi.NewRESTService(awsapi.RESTProtocol{
//		MessageMember:       "message",
//		ValidationErrorCode: "BadRequestException",
//		InternalErrorCode:   "InternalFailureException",
//	}, awsapi.Route{
//		Method: "GET", Path: "/v1/datasources/introspections/{introspectionId}",
//		Operation: "GetDataSourceIntrospection",
//		Handler: func(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
//			n, _, err := r.QueryInt("maxResults", 0, 25)
//			...
//			return 200, out, nil
//		},
//	})
//
//	h := &awsapi.Handler{Keys: keys, Services: map[string]awsapi.Service{
//		"dms": dms, "appsync": appsync, "sts": awsapi.STS{Sessions: keys, Keys: keys},
//	}}
//
// # Declarative shapes
//
// An operation is its input and output shapes plus one function. The input struct declares the
// model's constraints in `aws` tags and the front door enforces them before the function runs
// (JSONOp always; restJson1 handlers through RESTRequest.DecodeShape), answering with the
// service's validation code (JSONProtocol.ValidationErrorCode) in AWS's words:
//
//	type GetTablesInput struct {
//		DatabaseName string  `aws:"required,len=1:255,pattern=singleline"`
//		Expression   *string `aws:"len=0:2048,pattern=singleline"`
//		MaxResults   *int32  `aws:"range=1:100"`
//	}
//
// See Validate (shape.go) for the options: required, len, count, range, enum, pattern,
// sensitive, and item./key./value. for list elements and map entries. Hand-written Validator
// calls remain for rules the model cannot state (one of two members, cross-member checks).
//
// # Errors
//
// Return an *Error (Errorf, or &Error{... Fields: ...} for extra members) for anything the
// client should see; it is written as header X-Amzn-ErrorType plus {"__type", message member,
// fields}. Status 0 means 400. Any other error, and any panic, becomes a 500 with the code
// CodeInternalFailure (renamed per protocol by InternalErrorCode) and a generic message; the
// cause is logged with the request id and never sent.
//
// Signature failures follow AWS: MissingAuthenticationTokenException,
// IncompleteSignatureException, InvalidSignatureException ("Signature expired: ..." for skew
// beyond 15 minutes) and UnrecognizedClientException for an unknown key. restJson1 services
// answer them with 403, awsJson1.1 services with 400 (as AWS's JSON services do), STS with 403
// and its own codes (InvalidClientTokenId, SignatureDoesNotMatch). A body over MaxBody is 413
// RequestEntityTooLargeException. An unknown scope service is InvalidSignatureException
// ("Credential should be scoped to correct service: ...").
//
// Decisions worth knowing: awsJson1.1 unknown or missing X-Amz-Target is 400
// UnknownOperationException (what Coral services send); restJson1 unknown paths are 404
// UnknownOperationException and a known path with the wrong method is 405
// MethodNotAllowedException. X-Amz-Content-Sha256, when sent, must equal the body's hash
// (UNSIGNED-PAYLOAD is refused: no service here streams). Every x-amz-* header present must be
// signed, as S3 requires (IncompleteSignatureException naming the unsigned ones): otherwise a
// captured awsJson1.1 request could be given another X-Amz-Target. The SDKs and the aws CLI sign
// every x-amz-* header they send. A key with a Session (temporary credentials STS issued) needs
// its own X-Amz-Security-Token and is refused from its expiry on (ExpiredTokenException;
// ExpiredToken from STS); a long-term key takes no token (UnrecognizedClientException).
// A JSON body must be valid UTF-8 without unpaired \u surrogate escapes (which encoding/json
// would silently turn into U+FFFD): otherwise it is the protocol's malformed-body error
// (SerializationException on awsJson1.1, the service's validation code on restJson1).
// Dot segments in paths are signed as sent (botocore would normalise them; no API here uses them).
//
// # Patterns Go cannot compile
//
// Go's regexp has no lookahead. For a model pattern such as `^(?!aws:)[a-zA-Z+-=._:/]+$` use
// Validator.PatternFunc with the model text for the message and WithoutPrefix("aws:",
// regexp.MustCompile(`^[a-zA-Z+-=._:/]+$`)) (or any func(string) bool) as the matcher.
package awsapi
